#!/bin/sh
# As the official nginx image: /etc/nginx/templates/*.template become
# /etc/nginx/conf.d/* with the environment's variables substituted (only variables that are
# set, so nginx's own $variables survive), then the command runs.
set -e
if [ "$1" = nginx ] || [ "$1" = nginx-debug ]; then
    templates=${NGINX_ENVSUBST_TEMPLATE_DIR:-/etc/nginx/templates}
    out=${NGINX_ENVSUBST_OUTPUT_DIR:-/etc/nginx/conf.d}
    suffix=${NGINX_ENVSUBST_TEMPLATE_SUFFIX:-.template}
    if [ -d "$templates" ]; then
        defined=$(printf '${%s} ' $(env | cut -d= -f1))
        find "$templates" -follow -type f -name "*$suffix" -print | while read -r template; do
            relative=${template#"$templates"/}
            target=$out/${relative%"$suffix"}
            mkdir -p "$(dirname "$target")"
            envsubst "$defined" <"$template" >"$target"
            echo "$0: $template -> $target"
        done
    fi
fi
exec "$@"
