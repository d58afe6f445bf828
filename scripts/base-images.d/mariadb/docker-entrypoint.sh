#!/usr/bin/env bash
# The official mariadb image's behaviour, in short: on first start initialise
# /var/lib/mysql, set the root password (root@localhost and root@%), create MARIADB_DATABASE
# and MARIADB_USER with MARIADB_PASSWORD (granted that database), run
# /docker-entrypoint-initdb.d/*.sh|*.sql|*.sql.gz; all with networking off, so the port
# answers only once this is done. Then run mariadbd as the mysql user.
set -Eeuo pipefail

if [ "${1:0:1}" = '-' ]; then
    set -- mariadbd "$@"
fi

if [ "$1" = mariadbd ] && [ "$(id -u)" = 0 ]; then
    chown -R mysql:mysql /var/lib/mysql /run/mysqld
    exec setpriv --reuid=mysql --regid=mysql --init-groups "$0" "$@"
fi

var() { # var NAME: MARIADB_NAME, else MYSQL_NAME
    local maria="MARIADB_$1" mysql="MYSQL_$1"
    printf '%s' "${!maria:-${!mysql:-}}"
}

if [ "$1" = mariadbd ] && [ ! -d /var/lib/mysql/mysql ]; then
    root_password=$(var ROOT_PASSWORD)
    if [ -z "$root_password" ] && [ -z "$(var ALLOW_EMPTY_ROOT_PASSWORD)" ]; then
        cat >&2 <<'MSG'
error: database is uninitialized and the root password is not set.
    Set MARIADB_ROOT_PASSWORD (or MARIADB_ALLOW_EMPTY_ROOT_PASSWORD=1).
MSG
        exit 1
    fi
    echo "initialising the database in /var/lib/mysql"
    mariadb-install-db --datadir=/var/lib/mysql --skip-test-db --auth-root-authentication-method=normal \
        --skip-name-resolve >/dev/null
    socket=/run/mysqld/mysqld.sock
    mariadbd --skip-networking --socket="$socket" &
    pid=$!
    for _ in $(seq 300); do
        mariadb-admin --socket="$socket" ping >/dev/null 2>&1 && break
        sleep 0.1
    done
    sql=(mariadb --protocol=socket --socket="$socket" -uroot)
    quote() { printf "'%s'" "${1//\'/\'\'}"; }
    database=$(var DATABASE) user=$(var USER) password=$(var PASSWORD)
    {
        echo "SET @@SESSION.SQL_LOG_BIN=0;"
        echo "DELETE FROM mysql.global_priv WHERE user NOT IN ('mysql.sys', 'mariadb.sys', 'root') OR host NOT IN ('localhost');"
        echo "ALTER USER 'root'@'localhost' IDENTIFIED BY $(quote "$root_password");"
        echo "CREATE USER 'root'@'%' IDENTIFIED BY $(quote "$root_password");"
        echo "GRANT ALL ON *.* TO 'root'@'%' WITH GRANT OPTION;"
        if [ -n "$database" ]; then
            echo "CREATE DATABASE IF NOT EXISTS \`$database\`;"
        fi
        if [ -n "$user" ]; then
            echo "CREATE USER $(quote "$user")@'%' IDENTIFIED BY $(quote "$password");"
            [ -z "$database" ] || echo "GRANT ALL ON \`$database\`.* TO $(quote "$user")@'%';"
        fi
        echo "FLUSH PRIVILEGES;"
    } | "${sql[@]}"
    for f in /docker-entrypoint-initdb.d/*; do
        [ -e "$f" ] || continue
        case $f in
        *.sh) echo "running $f"; if [ -x "$f" ]; then "$f"; else . "$f"; fi ;;
        *.sql) echo "running $f"; "${sql[@]}" --password="$root_password" ${database:+"$database"} <"$f" ;;
        *.sql.gz) echo "running $f"; gunzip -c "$f" | "${sql[@]}" --password="$root_password" ${database:+"$database"} ;;
        *) echo "ignoring $f" ;;
        esac
    done
    mariadb-admin --socket="$socket" -uroot --password="$root_password" shutdown
    wait "$pid"
    echo "MariaDB init process done. Ready for start up."
fi

exec "$@"
