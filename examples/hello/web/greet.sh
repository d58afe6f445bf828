#!/bin/sh
# Reaches the store by its service name on the project network.
printf 'Content-Type: text/plain\r\n\r\n'
wget -q -O - "$GREETING_URL"
