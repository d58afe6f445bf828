#!/bin/sh
# As the official node image: a flag or a script that is not a command runs with node.
set -e
if [ "${1#-}" != "$1" ] || [ -z "$(command -v "$1" || true)" ] || { [ -f "$1" ] && ! [ -x "$1" ]; }; then
    set -- node "$@"
fi
exec "$@"
