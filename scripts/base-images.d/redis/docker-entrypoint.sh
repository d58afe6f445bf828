#!/bin/sh
# As the official redis image: flags or a .conf file go to redis-server, which runs as the
# redis user, listening on every interface with protected mode off unless told otherwise.
set -e
if [ "${1#-}" != "$1" ] || [ "${1%.conf}" != "$1" ]; then
    set -- redis-server "$@"
fi
if [ "$1" = redis-server ] && [ "$(id -u)" = 0 ]; then
    find . \! -user redis -exec chown redis '{}' +
    exec setpriv --reuid=redis --regid=redis --init-groups "$0" "$@"
fi
if [ "$1" = redis-server ]; then
    case " $* " in
    *" --protected-mode "*) ;;
    *) set -- "$@" --protected-mode no ;;
    esac
fi
exec "$@"
