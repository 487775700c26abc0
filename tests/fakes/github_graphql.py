"""Fake GitHub GraphQL (v4): validated against the real schema, executed by graphql-core."""

from __future__ import annotations

import base64
import functools
import json
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLSyntaxError,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    execute_sync,
    get_named_type,
    parse,
    validate,
    value_from_ast_untyped,
)

from .listings import owner_repos
from .state import FakeRepo, Request, Response, iso_z

if TYPE_CHECKING:
    from .github import FakeGitHub

from tests.shared import github_schema

__all__ = ["github_schema", "handle_graphql", "query_cost"]

DOCS = "https://docs.github.com/graphql"
#: RepositoryOrderField values as :func:`.listings.owner_repos` sorts.
_ORDER_FIELDS = {"NAME": "name", "CREATED_AT": "created", "UPDATED_AT": "updated",
                 "PUSHED_AT": "pushed", "STARGAZERS": "stars"}


class TypedError(Exception):
    """A resolver error that GitHub reports with a top-level ``type``."""

    def __init__(self, type_: str, message: str) -> None:
        super().__init__(message)
        self.type = type_


def query_cost(
    doc: Any, variables: Mapping[str, Any], operation: str | None = None
) -> tuple[int, int, list[dict[str, Any]]]:
    """(cost, node_count, pagination errors) per GitHub's documented calculation.

    Each connection costs one request times the page sizes of the connections it sits in;
    the sum divided by 100, rounded, with a minimum of 1.
    """
    schema = github_schema()
    fragments = {d.name.value: d for d in doc.definitions if isinstance(d, FragmentDefinitionNode)}
    ops = [d for d in doc.definitions if isinstance(d, OperationDefinitionNode)]
    if operation is not None:
        ops = [o for o in ops if o.name is not None and o.name.value == operation]
    requests = nodes = 0
    errors: list[dict[str, Any]] = []

    def arg(node: FieldNode, name: str) -> Any:
        for a in node.arguments or ():
            if a.name.value == name:
                return value_from_ast_untyped(a.value, dict(variables))
        return None

    def walk(sel: SelectionSetNode | None, parent: Any, mult: int, path: list[str]) -> None:
        nonlocal requests, nodes
        if sel is None:
            return
        for s in sel.selections:
            if isinstance(s, FragmentSpreadNode):
                frag = fragments.get(s.name.value)
                if frag is not None:
                    cond = schema.get_type(frag.type_condition.name.value)
                    walk(frag.selection_set, cond, mult, path)
                continue
            if isinstance(s, InlineFragmentNode):
                cond = schema.get_type(s.type_condition.name.value) if s.type_condition else parent
                walk(s.selection_set, cond, mult, path)
                continue
            assert isinstance(s, FieldNode)
            fields = getattr(parent, "fields", {})
            fdef = fields.get(s.name.value)
            if fdef is None:
                continue
            ftype = get_named_type(fdef.type)
            here = [*path, s.alias.value if s.alias else s.name.value]
            child_mult = mult
            if ftype.name.endswith("Connection"):
                requests += mult
                size = arg(s, "first") or arg(s, "last")
                wants_nodes = any(
                    isinstance(c, FieldNode) and c.name.value in ("nodes", "edges")
                    for c in (s.selection_set.selections if s.selection_set else ())
                )
                if size is None and wants_nodes:
                    errors.append({
                        "type": "MISSING_PAGINATION_BOUNDARIES",
                        "path": here,
                        "message": f"You must provide a `first` or `last` value to properly "
                        f"paginate the `{s.name.value}` connection.",
                    })  # fmt: skip
                elif isinstance(size, int) and not 0 <= size <= 100:
                    which = "first" if arg(s, "first") is not None else "last"
                    errors.append({
                        "type": "EXCESSIVE_PAGINATION",
                        "path": here,
                        "message": f"Requesting {size} records on the `{s.name.value}` "
                        f"connection exceeds the `{which}` limit of 100 records.",
                    })  # fmt: skip
                child_mult = mult * (size if isinstance(size, int) and size > 0 else 1)
                nodes += child_mult if wants_nodes else 0
            walk(s.selection_set, ftype, child_mult, here)

    for op in ops[:1]:
        walk(op.selection_set, schema.query_type, 1, [])
    return max(round(requests / 100), 1), nodes, errors


def _cursor(i: int) -> str:
    return base64.b64encode(f"cursor:v2:{i}".encode()).decode()


def _index(cursor: str | None) -> int | None:
    if not cursor:
        return None
    try:
        return int(base64.b64decode(cursor).decode().rsplit(":", 1)[1])
    except (ValueError, IndexError):
        raise TypedError(
            "INVALID_CURSOR_ARGUMENTS", f"`{cursor}` does not appear to be a valid cursor."
        ) from None


def connection(items: list[Any], args: Mapping[str, Any], to_node: Any = None) -> dict[str, Any]:
    """A Relay connection over ``items`` honouring first/after/last/before."""
    start, stop = 0, len(items)
    after, before = _index(args.get("after")), _index(args.get("before"))
    if after is not None:
        start = after + 1
    if before is not None:
        stop = min(before, stop)
    first, last = args.get("first"), args.get("last")
    if first is not None:
        stop = min(stop, start + first)
    if last is not None:
        start = max(start, stop - last)
    window = list(enumerate(items))[start:stop]
    nodes = [to_node(x) if to_node else x for _, x in window]
    edges = [{"cursor": _cursor(i), "node": n} for (i, _), n in zip(window, nodes, strict=True)]
    return {
        "totalCount": len(items),
        "nodes": nodes,
        "edges": edges,
        "pageInfo": {
            "hasNextPage": stop < len(items),
            "hasPreviousPage": start > 0,
            "startCursor": edges[0]["cursor"] if edges else None,
            "endCursor": edges[-1]["cursor"] if edges else None,
        },
    }


def count_connection(total: int) -> Callable[..., dict[str, Any]]:
    def resolve(_info: Any, **args: Any) -> dict[str, Any]:
        return {**connection([], args), "totalCount": total}

    return resolve


def repository_node(repo: FakeRepo, now: datetime) -> dict[str, Any]:
    from .github import node_id

    html = f"https://github.com/{repo.full_name}"

    def releases(_info: Any, **args: Any) -> dict[str, Any]:
        order = args.get("orderBy") or {"field": "CREATED_AT", "direction": "ASC"}
        key = (lambda r: r.tag) if order.get("field") == "NAME" else (lambda r: r.created)
        rels = sorted(repo.published_releases(), key=key, reverse=order.get("direction") == "DESC")
        latest = max(repo.published_releases(), key=lambda r: r.created, default=None)

        def node(r: Any) -> dict[str, Any]:
            return {
                "__typename": "Release", "id": node_id("Release", hash(r.tag) % 10**9),
                "tagName": r.tag, "name": r.name, "description": r.body,
                "publishedAt": iso_z(r.published_at or r.created), "createdAt": iso_z(r.created),
                "updatedAt": iso_z(r.created), "isPrerelease": r.prerelease, "isDraft": False,
                "isLatest": r is latest, "url": f"{html}/releases/tag/{r.tag}",
            }  # fmt: skip

        return connection(rels, args, node)

    def stargazers(_info: Any, **args: Any) -> dict[str, Any]:
        times = repo.star_timeline(now)
        if (args.get("orderBy") or {}).get("direction") == "DESC":
            times = times[::-1]
        conn = connection(list(enumerate(times)), args)
        for edge in conn["edges"]:
            i, when = edge["node"]
            edge["starredAt"] = iso_z(when)
            uid = 500000 + i
            edge["node"] = {"__typename": "User", "login": f"stargazer{i + 1}",
                            "id": node_id("User", uid), "databaseId": uid}  # fmt: skip
        conn["nodes"] = [e["node"] for e in conn["edges"]]
        return conn

    def issues(_info: Any, **args: Any) -> dict[str, Any]:
        states = args.get("states") or ["OPEN"]
        return count_connection(repo.open_issues if "OPEN" in states else 0)(_info, **args)

    def pulls(_info: Any, **args: Any) -> dict[str, Any]:
        states = args.get("states") or ["OPEN"]
        return count_connection(repo.open_prs if "OPEN" in states else 0)(_info, **args)

    return {
        "__typename": "Repository", "id": node_id("Repository", repo.id),
        "databaseId": repo.id, "name": repo.name, "nameWithOwner": repo.full_name,
        "owner": {"__typename": repo.owner_type, "login": repo.owner,
                  "url": f"https://github.com/{repo.owner}"},
        "createdAt": iso_z(repo.created_at), "updatedAt": iso_z(repo.last_modified),
        "pushedAt": None if repo.empty else iso_z(repo.pushed_at or repo.last_modified),
        "description": repo.description, "url": html, "homepageUrl": None,
        "stargazerCount": repo.star_count, "forkCount": repo.forks, "isEmpty": repo.empty,
        "isPrivate": repo.private, "isFork": repo.fork, "isArchived": repo.archived,
        "isDisabled": False, "isLocked": False, "isMirror": False, "isTemplate": False,
        "visibility": "PRIVATE" if repo.private else "PUBLIC",
        "watchers": count_connection(repo.watchers), "issues": issues, "pullRequests": pulls,
        "releases": releases, "stargazers": stargazers,
    }  # fmt: skip


def repository_owner(fake: FakeGitHub, token: str | None, now: datetime) -> Callable[..., Any]:
    """``repositoryOwner(login:)``: the organisation or user, or null (no error) when none.
    Its ``repositories`` honour first/after, ``privacy``, ``isFork``, ``isArchived`` and
    ``orderBy``; ``ownerAffiliations`` is OWNER for every repo (no collaborators modelled)."""

    def resolve(_info: Any, login: str) -> dict[str, Any] | None:
        kind = fake.owner_kind(login)
        if kind is None:
            return None
        held = fake.owned(login)
        shown = held[0].owner if held else login

        def repositories(_info: Any, **args: Any) -> dict[str, Any]:
            privacy = str(args.get("privacy"))
            order = args.get("orderBy") or {}
            field = _ORDER_FIELDS.get(str(order.get("field")), "id")
            which = {"PUBLIC": "public", "PRIVATE": "private"}.get(privacy, "all")
            repos = owner_repos(fake.owned(login, token), kind=which, sort=field,
                                descending=order.get("direction") == "DESC")
            for flag, attribute in (("isFork", "fork"), ("isArchived", "archived")):
                if args.get(flag) is not None:
                    repos = [r for r in repos if getattr(r, attribute) == args[flag]]
            return connection(repos, args, lambda r: repository_node(r, now))

        return {"__typename": kind, "login": shown, "url": f"https://github.com/{shown}",
                "repositories": repositories}  # fmt: skip

    return resolve


@functools.lru_cache(maxsize=64)
def _checked(query: str) -> tuple[DocumentNode, tuple[GraphQLError, ...]]:
    """*query* parsed and validated against GitHub's schema, once per text (a collector sends
    the same few queries with other variables): the fake answers in milliseconds, not a tenth
    of a second. A syntax error raises (and is not kept)."""
    doc = parse(query)
    return doc, tuple(validate(github_schema(), doc))


def handle_graphql(fake: FakeGitHub, req: Request, token: str | None) -> Response:
    headers = fake.base_headers(req)
    headers[1] = ("x-github-media-type", "github.v4; format=json")

    def reply(status: int, obj: Any, extra: list[tuple[str, str]]) -> Response:
        return Response(status, json.dumps(obj).encode(), headers + extra)

    if req.method != "POST":
        return reply(404, {"message": "Not Found", "documentation_url": DOCS}, [])
    if token is None:
        body = {"message": "This endpoint requires you to be authenticated.",
                "documentation_url": "https://docs.github.com/graphql/guides/forming-calls-with-graphql#authenticating-with-graphql"}  # fmt: skip  # noqa: E501
        return reply(401, body, [])
    fault = fake.take_fault(("5xx", "secondary"), req.path)
    with fake.lock:
        budget = fake.budget(token, "graphql")
        rate = fake.rate_headers(budget, "graphql")
    if fault is not None and fault.kind == "5xx":
        return fake._server_error(req, fault.status)
    if fault is not None:
        from .github_shapes import SECONDARY, SECONDARY_DOCS

        body = {"message": SECONDARY.format(rid=fake.request_id()),
                "documentation_url": SECONDARY_DOCS}  # fmt: skip
        extra = [("retry-after", str(fault.retry_after))] if fault.retry_after else []
        return reply(403, body, rate + extra)
    try:
        payload = json.loads(req.body or b"null")
    except ValueError:
        return reply(400, {"message": "Problems parsing JSON", "documentation_url": DOCS}, rate)
    query = payload.get("query") if isinstance(payload, dict) else None
    if not isinstance(query, str):
        msg = "A query attribute must be specified and must be a string."
        return reply(200, {"errors": [{"message": msg}]}, rate)
    variables = payload.get("variables") or {}
    operation = payload.get("operationName")
    try:
        doc, problems = _checked(query)
    except GraphQLSyntaxError as exc:
        loc = exc.locations[0] if exc.locations else None
        line, col = (loc.line, loc.column) if loc else (1, 1)
        text = query.splitlines()[line - 1][col - 1 : col] if loc else ""
        err = {"message": f'Parse error on "{text}" at [{line}, {col}]',
               "locations": [{"line": line, "column": col}]}  # fmt: skip
        return reply(200, {"errors": [err]}, rate)
    if problems:
        return reply(200, {"errors": [_error(e) for e in problems]}, rate)
    cost, node_count, pagination = query_cost(doc, variables, operation)
    if pagination:
        return reply(200, {"errors": pagination}, rate)
    with fake.lock:
        budget = fake.budget(token, "graphql")
        if budget.remaining < cost:
            budget.used = budget.limit
            msg = f"API rate limit already exceeded for user ID {1000 + len(token) * 7}."
            err = {"type": "RATE_LIMITED", "code": "graphql_rate_limit", "message": msg}
            return reply(200, {"errors": [err]}, fake.rate_headers(budget, "graphql"))
        budget.used += cost
        snapshot = (budget.limit, budget.used, budget.remaining, budget.reset)
        rate = fake.rate_headers(budget, "graphql")
        delay, timeout = fake.graphql_delay_s, fake.graphql_timeout_s
    if delay:
        time.sleep(min(delay, timeout))
        if delay > timeout:
            msg = ("Something went wrong while executing your query. This may be the result of a "
                   f"timeout, or it could be a GitHub bug. Please include `{fake.request_id()}` "
                   "when reporting this issue.")  # fmt: skip
            return reply(502, {"data": None, "errors": [{"message": msg}]}, rate)
    now = fake.clock()

    def repository(_info: Any, owner: str, name: str, followRenames: bool = True) -> Any:
        repo, renamed = fake.resolve(owner, name)
        if repo is None or not repo.visible_to(token) or (renamed and not followRenames):
            raise TypedError(
                "NOT_FOUND", f"Could not resolve to a Repository with the name '{owner}/{name}'."
            )
        if repo.blocked:
            raise TypedError("FORBIDDEN", "Repository access blocked")
        return repository_node(repo, now)

    limit, used, remaining, reset = snapshot
    root = {
        "repository": repository,
        "repositoryOwner": repository_owner(fake, token, now),
        "rateLimit": lambda _info, **_a: {
            "cost": cost, "limit": limit, "used": used, "remaining": remaining,
            "nodeCount": node_count,
            "resetAt": iso_z(datetime(1970, 1, 1, tzinfo=UTC) + timedelta(seconds=reset)),
        },
    }  # fmt: skip
    result = execute_sync(github_schema(), doc, root_value=root, variable_values=variables,
                     operation_name=operation)  # fmt: skip
    out: dict[str, Any] = {"data": result.data}
    if result.errors:
        out["errors"] = [_error(e) for e in result.errors]
    return reply(200, out, rate)


def _error(err: GraphQLError) -> dict[str, Any]:
    out: dict[str, Any] = {}
    original = err.original_error
    if isinstance(original, TypedError):
        out["type"] = original.type
    if err.path:
        out["path"] = list(err.path)
    if err.locations:
        out["locations"] = [{"line": loc.line, "column": loc.column} for loc in err.locations]
    out["message"] = err.message
    return out
