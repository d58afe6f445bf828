#!/bin/sh
# As the official rabbitmq image: the server runs as the rabbitmq user, owning its data
# folder (a fresh named volume is root's).
set -e
if [ "$1" = rabbitmq-server ] && [ "$(id -u)" = 0 ]; then
    find /var/lib/rabbitmq \! -user rabbitmq -exec chown rabbitmq:rabbitmq '{}' +
    exec setpriv --reuid=rabbitmq --regid=rabbitmq --init-groups "$0" "$@"
fi
exec "$@"
