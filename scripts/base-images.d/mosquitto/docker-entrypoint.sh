#!/bin/sh
# As the official eclipse-mosquitto image: /mosquitto belongs to the mosquitto user, which
# the broker drops to (its `user` option defaults to mosquitto).
set -e
if [ "$(id -u)" = 0 ]; then
    find /mosquitto \! -user mosquitto -exec chown mosquitto:mosquitto '{}' +
fi
exec "$@"
