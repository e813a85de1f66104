"""GraphiQL served from this server, never from a CDN (API.md: "assets served locally").

The browser builds of GraphiQL and React are npm packages. `scripts/fetch_graphiql.py`
copies the few files the page needs into `ASSETS_DIR` (git-ignored, so no third-party
JavaScript is committed) and checks each against the digest pinned in `ASSETS`; the
same digests go into the page as Subresource Integrity values. They are the digests of
the files strawberry's own page loads from unpkg, so our page runs the very same code.

The app mounts `graphiql_assets()` at `URL_PREFIX` and renders `graphiql_page()` from
`HelpdeskGraphQL.render_graphql_ide`.
"""

import html
import os
from dataclasses import dataclass
from pathlib import Path

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

ASSETS_DIR = Path(__file__).resolve().parent / "static" / "graphiql"
URL_PREFIX = "/static/graphiql"
FETCH_COMMAND = "python scripts/fetch_graphiql.py"


@dataclass(frozen=True)
class Asset:
    package: str  # npm package name
    version: str  # exact version: the digest below only fits this one
    member: str  # the file's path inside the package
    name: str  # the file's name under URL_PREFIX
    sha384: str  # base64; also the page's integrity attribute

    @property
    def spec(self) -> str:
        return f"{self.package}@{self.version}"

    @property
    def integrity(self) -> str:
        return f"sha384-{self.sha384}"


# The versions strawberry 0.341's own GraphiQL page uses (GraphiQL 3 is the last major
# with a UMD build that runs without a bundler).
ASSETS = (
    Asset("react", "18.2.0", "umd/react.production.min.js", "react.production.min.js",
          "tMH8h3BGESGckSAVGZ82T9n90ztNXxvdwvdM6UoR56cYcf+0iGXBliJ29D+wZ/x8"),
    Asset("react-dom", "18.2.0", "umd/react-dom.production.min.js", "react-dom.production.min.js",
          "bm7MnzvK++ykSwVJ2tynSE5TRdN+xL418osEVF2DE/L/gfWHj91J2Sphe582B1Bh"),
    Asset("graphiql", "3.8.3", "graphiql.min.js", "graphiql.min.js",
          "HbRVEFG0JGJZeAHCJ9Xm2+tpknBQ7QZmNlO/DgZtkZ0aJSypT96YYGRNod99l9Ie"),
    Asset("graphiql", "3.8.3", "graphiql.min.css", "graphiql.min.css",
          "Mq3vbRBY71jfjQAt/DcjxUIYY33ksal4cgdRt9U/hNPvHBCaT2JfJ/PTRiPKf0aM"),
    Asset("@graphiql/plugin-explorer", "1.0.2", "dist/index.umd.js", "plugin-explorer.umd.js",
          "2oonKe47vfHIZnmB6ZZ10vl7T0Y+qrHQF2cmNTaFDuPshpKqpUMGMc9jgj9MLDZ9"),
    Asset("@graphiql/plugin-explorer", "1.0.2", "dist/style.css", "plugin-explorer.css",
          "5DFJlDPW2tSATRbM8kzoP1j194jexLswuNmClWoRr2Q0x7R68JIQzPHZ02Faktwi"),
)


def missing_assets(directory: Path = ASSETS_DIR) -> list[str]:
    """Names of the assets not yet fetched (a presence check: the fetch step verified them)."""
    return [a.name for a in ASSETS if not (directory / a.name).is_file()]


def _tags(prefix: str) -> tuple[str, str]:
    """The <link> and <script> tags, in ASSETS order (React before what needs it)."""
    styles, scripts = [], []
    for asset in ASSETS:
        url = html.escape(f"{prefix}/{asset.name}")
        if asset.name.endswith(".css"):
            styles.append(f'<link rel="stylesheet" href="{url}" integrity="{asset.integrity}">')
        else:
            scripts.append(f'<script src="{url}" integrity="{asset.integrity}"></script>')
    return "\n    ".join(styles), "\n    ".join(scripts)


def graphiql_page(prefix: str = URL_PREFIX, directory: Path = ASSETS_DIR) -> str:
    """The IDE page, or a plain page that says how to install the assets when they are
    missing (better than a blank screen or a silent fallback to a CDN)."""
    missing = missing_assets(directory)
    if missing:
        return _MISSING.format(missing=html.escape(", ".join(missing)), command=html.escape(FETCH_COMMAND))
    styles, scripts = _tags(prefix)
    return _PAGE.replace("{styles}", styles).replace("{scripts}", scripts)


async def render_graphiql(request: Request) -> Response:
    """Drop-in for strawberry's `render_graphql_ide(request)`."""
    # A mount under a path prefix (root_path) must still find the assets.
    prefix = request.scope.get("root_path", "").rstrip("/") + URL_PREFIX
    return HTMLResponse(graphiql_page(prefix))


class OptionalStaticFiles(StaticFiles):
    """StaticFiles that answers 404 while its directory is missing, instead of failing
    the request with a RuntimeError: the pages are optional for the API itself (an
    installed wheel has no client-examples/, a fresh clone no fetched assets)."""

    async def check_config(self) -> None:
        if self.directory is not None and os.path.isdir(self.directory):
            await super().check_config()

    async def get_response(self, path: str, scope: Scope) -> Response:
        if self.directory is None or not os.path.isdir(self.directory):
            return Response("Not Found", status_code=404)
        return await super().get_response(path, scope)


def graphiql_assets(directory: Path = ASSETS_DIR) -> StaticFiles:
    return OptionalStaticFiles(directory=directory, check_dir=False)


_MISSING = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>GraphiQL is not installed</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 3rem auto;">
<h1>GraphiQL is not installed</h1>
<p>This server serves GraphiQL from its own files, and these are missing: {missing}.</p>
<p>Run <code>{command}</code> (or <code>make run</code>), then reload this page.
The API itself works: POST your queries to this URL.</p>
</body></html>
"""

# Based on strawberry's static/graphiql.html, with local assets and one addition: a
# subscription transport that sends the headers editor's Authorization in
# connection_init, which is where this server reads a WebSocket client's token.
_PAGE = """<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <title>helpdesk GraphiQL</title>
    <link rel="icon" href="data:,">
    <style>
      body { height: 100%; margin: 0; width: 100%; overflow: hidden; }
      #graphiql { height: 100vh; display: flex; }
      .docExplorerHide { display: none; }
      .doc-explorer-contents { overflow-y: hidden !important; }
      .docExplorerWrap { width: unset !important; min-width: unset !important; }
      .graphiql-explorer-actions select { margin-left: 4px; }
    </style>
    {styles}
  </head>
  <body>
    <div id="graphiql" class="graphiql-container">Loading…</div>
    {scripts}
    <script>
      const DEFAULT_QUERY = `# helpdesk GraphiQL
#
# Sign in: in the Headers tab below, put your token
#   {"Authorization": "Bearer <token>"}
# (an admin makes one: helpdesk token create --email E --role AGENT).
# Subscriptions send the same header over the WebSocket.
#
# Run: Ctrl-Enter.  Complete: Ctrl-Space.

query MyWorkbench {
  me { name role }
  workbench {
    inProgress {
      key
      subject
      priority
      sla { state resolution { dueAt state } }
    }
  }
}
`;
      const DEFAULT_HEADERS = '{\\n  "Authorization": "Bearer <token>"\\n}';

      // The query travels as ?q=: strawberry executes a GET that carries ?query=.
      const params = new URLSearchParams(window.location.search);
      const fetchURL = window.location.href.split("?")[0];

      function updateURL(key, value) {
        if (value) params.set(key, value); else params.delete(key);
        const search = params.toString();
        history.replaceState(null, "", search ? "?" + search : window.location.pathname);
      }

      function websocketURL(url) {
        const parsed = new URL(url);
        parsed.protocol = parsed.protocol === "https:" ? "wss:" : "ws:";
        parsed.hash = "";
        return parsed.toString();
      }

      function authorizationOf(headers) {
        for (const [name, value] of Object.entries(headers || {})) {
          if (name.toLowerCase() === "authorization") return String(value);
        }
        return null;
      }

      // One graphql-transport-ws connection per subscription: simple, and the
      // connection_init carries the Authorization the user typed at that moment.
      function subscribe(graphQLParams, headers) {
        return {
          subscribe(observer) {
            const socket = new WebSocket(websocketURL(fetchURL), "graphql-transport-ws");
            let done = false;
            const finish = (callback) => { if (!done) { done = true; callback(); } };
            socket.onopen = () => {
              const authorization = authorizationOf(headers);
              socket.send(JSON.stringify({ type: "connection_init",
                payload: authorization ? { authorization } : {} }));
            };
            socket.onmessage = (message) => {
              const data = JSON.parse(message.data);
              if (data.type === "connection_ack") {
                socket.send(JSON.stringify({ id: "1", type: "subscribe", payload: graphQLParams }));
              } else if (data.type === "ping") {
                socket.send(JSON.stringify({ type: "pong" }));
              } else if (data.type === "next") {
                observer.next(data.payload);
              } else if (data.type === "error") {
                finish(() => observer.next({ errors: data.payload }));
                socket.close(1000);
              } else if (data.type === "complete") {
                finish(() => observer.complete());
                socket.close(1000);
              }
            };
            socket.onclose = (event) => {
              if (event.code === 1000) return finish(() => observer.complete());
              const reason = event.code === 4403
                ? "The server refused the token: set Authorization in the Headers tab."
                : `The connection closed (${event.code} ${event.reason || ""}).`;
              finish(() => observer.next({ errors: [{ message: reason }] }));
            };
            return {
              unsubscribe() {
                done = true;
                if (socket.readyState === WebSocket.OPEN) {
                  socket.send(JSON.stringify({ id: "1", type: "complete" }));
                }
                socket.close(1000);
              },
            };
          },
        };
      }

      const httpFetcher = GraphiQL.createFetcher({ url: fetchURL });

      function fetcher(graphQLParams, options) {
        const operation = options && options.documentAST
          ? GraphiQL.GraphQL.getOperationAST(options.documentAST, graphQLParams.operationName)
          : null;
        if (operation && operation.operation === "subscription") {
          return subscribe(graphQLParams, options.headers);
        }
        return httpFetcher(graphQLParams, options);
      }
      window.helpdeskGraphiQLFetcher = fetcher;  // for the browser tests

      function App() {
        const [query, setQuery] = React.useState(params.get("q") || DEFAULT_QUERY);
        const explorer = React.useMemo(() => GraphiQLPluginExplorer.explorerPlugin(), []);
        return React.createElement(GraphiQL, {
          fetcher,
          query,
          variables: params.get("variables") || undefined,
          defaultHeaders: DEFAULT_HEADERS,
          onEditQuery: (value) => { setQuery(value); updateURL("q", value); },
          onEditVariables: (value) => updateURL("variables", value),
          plugins: [explorer],
          defaultEditorToolsVisibility: true,
          inputValueDeprecation: true,
          isHeadersEditorEnabled: true,
          shouldPersistHeaders: true,
        });
      }

      ReactDOM.createRoot(document.getElementById("graphiql")).render(React.createElement(App));
    </script>
  </body>
</html>
"""
