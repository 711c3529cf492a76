#!/usr/bin/env bash
# Starts or stops a private nginx + Nchan on a loopback port, for the scenario runner's side-by-side peer.
#
#   jmh/nchan/nchan.sh start PORT   writes $PREFIX/nginx.conf, starts nginx, waits until PORT answers,
#                                   prints the prefix (its nginx.pid holds the master's pid)
#   jmh/nchan/nchan.sh stop PORT    stops that nginx (QUIT, then TERM, then KILL) and removes the prefix
#
# The prefix is ${NCHAN_PREFIX_ROOT:-${TMPDIR:-/tmp}}/pulsar-nchan-PORT; everything nginx writes stays under it.
# Locations: POST /pub/<channel> publishes (nchan_publisher), GET /pub/<channel> tells the channel's subscriber
# count, GET /sub/<channel> subscribes over WebSocket (nchan_subscriber websocket).
# Needs the Debian packages nginx and libnginx-mod-nchan:
#   apt-get update && apt-get install -y nginx libnginx-mod-nchan
# NCHAN_WORKERS sets worker_processes (default: auto, one per core).
set -euo pipefail

usage()
{
    echo "usage: $0 start|stop PORT" >&2
    exit 2
}

[ $# -eq 2 ] || usage
ACTION=$1
PORT=$2
case "$PORT" in
    ''|*[!0-9]*) usage ;;
esac
PREFIX="${NCHAN_PREFIX_ROOT:-${TMPDIR:-/tmp}}/pulsar-nchan-$PORT"
NGINX=${NGINX:-$(command -v nginx || echo /usr/sbin/nginx)}

find_module()
{
    for m in /usr/lib/nginx/modules/ngx_nchan_module.so /usr/share/nginx/modules/ngx_nchan_module.so \
             /usr/lib64/nginx/modules/ngx_nchan_module.so; do
        if [ -f "$m" ]; then
            echo "$m"
            return 0
        fi
    done
    echo "ngx_nchan_module.so not found: apt-get install -y nginx libnginx-mod-nchan" >&2
    return 1
}

port_open()
{
    (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null
}

start()
{
    [ -x "$NGINX" ] || { echo "nginx not found: apt-get install -y nginx libnginx-mod-nchan" >&2; exit 1; }
    local module
    module=$(find_module)
    if port_open; then
        echo "port $PORT is already in use" >&2
        exit 1
    fi
    rm -rf "$PREFIX"
    mkdir -p "$PREFIX/logs" "$PREFIX/tmp"
    local user_line=""
    if [ "$(id -u)" = "0" ]; then
        user_line="user root;"
    fi
    cat > "$PREFIX/nginx.conf" <<CONF
load_module $module;
$user_line
daemon on;
master_process on;
worker_processes ${NCHAN_WORKERS:-auto};
worker_rlimit_nofile 20000;
pid $PREFIX/nginx.pid;
error_log $PREFIX/logs/error.log warn;

events {
    worker_connections 16384;
    multi_accept on;
}

http {
    access_log off;
    client_body_temp_path $PREFIX/tmp/body;
    proxy_temp_path $PREFIX/tmp/proxy;
    fastcgi_temp_path $PREFIX/tmp/fastcgi;
    uwsgi_temp_path $PREFIX/tmp/uwsgi;
    scgi_temp_path $PREFIX/tmp/scgi;
    client_max_body_size 16m;
    client_body_buffer_size 1m;
    keepalive_requests 10000000;
    keepalive_timeout 300s;
    tcp_nodelay on;
    nchan_shared_memory_size 256m;
    nchan_message_buffer_length 1000;
    nchan_message_timeout 1h;

    server {
        listen 127.0.0.1:$PORT backlog=4096;

        location ~ ^/pub/(.+)\$ {
            nchan_publisher http;
            nchan_channel_id \$1;
        }

        location ~ ^/sub/(.+)\$ {
            nchan_subscriber websocket;
            nchan_channel_id \$1;
            nchan_subscriber_first_message newest;
        }

        location = /readyz {
            return 200 '{"status":"ready"}';
        }
    }
}
CONF
    "$NGINX" -p "$PREFIX" -c "$PREFIX/nginx.conf" -e "$PREFIX/logs/error.log"
    for _ in $(seq 1 100); do
        if port_open; then
            echo "$PREFIX"
            return 0
        fi
        sleep 0.1
    done
    echo "nginx did not open port $PORT; see $PREFIX/logs/error.log" >&2
    exit 1
}

stop()
{
    if [ ! -f "$PREFIX/nginx.pid" ]; then
        echo "no nginx under $PREFIX" >&2
        rm -rf "$PREFIX"
        return 0
    fi
    local pid
    pid=$(cat "$PREFIX/nginx.pid")
    kill -QUIT "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
        kill -TERM "$pid" 2>/dev/null || true
        sleep 1
        kill -KILL "$pid" 2>/dev/null || true
    fi
    rm -rf "$PREFIX"
}

case "$ACTION" in
    start) start ;;
    stop) stop ;;
    *) usage ;;
esac
