#!/usr/bin/env bash
# Installs code-server 4.100.3 (VS Code 1.100.3, the last line on Node 20) into
# .vscode-test/code-server, outside the extension's own dependencies; cached between runs.
# Needs (apt): chromium libkrb5-dev ripgrep. See ../../../shared/testing-in-vscode.md.
set -euo pipefail
cd "$(dirname "$0")/../.."
VERSION=4.100.3
DIR=.vscode-test/code-server
if [ -x "$DIR/node_modules/.bin/code-server" ] && grep -q "\"version\": \"$VERSION\"" "$DIR/node_modules/code-server/package.json"; then
  exit 0
fi
mkdir -p "$DIR"
# @vscode/ripgrep's postinstall downloads from GitHub; hand it Debian's rg as its cache instead.
cache="${TMPDIR:-/tmp}/vscode-ripgrep-cache-1.15.11"
mkdir -p "$cache"
tar czf "$cache/ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz" -C "$(dirname "$(command -v rg)")" rg
[ -f "$DIR/package.json" ] || echo '{"name":"code-server-for-tests","private":true}' > "$DIR/package.json"
(cd "$DIR" && npm_config_yes=true npm install --no-audit --no-fund --unsafe-perm "code-server@$VERSION")
