#!/bin/sh
# The nginx service's run script (both supervisors): nginx runs as the
# non-root user nginx (no master running as root), its pid and temporary
# files in /run/nginx. `-e stderr` keeps it from opening its default error
# log under /var/log before it has read its configuration.
set -eu
# shellcheck source=/dev/null
. /usr/local/lib/aio/common.sh
install_dir_for nginx nginx 0700 /run/nginx
exec "$AIO_LIB/as-user" nginx nginx -e stderr -c /etc/aio/nginx.conf
