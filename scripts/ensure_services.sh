#!/usr/bin/env bash
# Makes sure the real Redis (127.0.0.1:6379) and PostgreSQL (127.0.0.1:5432) the test
# suite talks to are up: starts them if they are down, installs them (Debian) if absent.
set -euo pipefail

redis_up() { (exec 3<>/dev/tcp/127.0.0.1/6379 && printf 'PING\r\n' >&3 && timeout 2 head -c 5 <&3 | grep -q PONG) 2>/dev/null; }
pg_up() { pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; }
apt_install() {
  if [ "$(id -u)" != 0 ]; then echo "please install: $*" >&2; return 1; fi
  apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

if ! redis_up; then
  command -v redis-server >/dev/null || apt_install redis-server
  mkdir -p /var/lib/redis /var/log/redis 2>/dev/null || true
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log
  for _ in $(seq 50); do redis_up && break; sleep 0.1; done
fi
redis_up && echo "redis: up" || { echo "redis: could not start" >&2; exit 1; }

if ! pg_up; then
  command -v pg_ctlcluster >/dev/null || apt_install postgresql
  if [ -z "$(ls /etc/postgresql 2>/dev/null)" ]; then apt_install postgresql; fi
  ver=$(ls /etc/postgresql | sort -V | tail -n1)
  pg_ctlcluster --skip-systemctl-redirect "$ver" main start || true
  for _ in $(seq 100); do pg_up && break; sleep 0.2; done
fi
pg_up && echo "postgresql: up" || { echo "postgresql: could not start" >&2; exit 1; }
# the suite connects as postgres over TCP without a password (trust on loopback)
psql -h 127.0.0.1 -U postgres -d postgres -tAc 'select 1' >/dev/null 2>&1 || \
  echo "warning: cannot connect to PostgreSQL as postgres@127.0.0.1 without a password; set TEST_DATABASE_URL" >&2

# Programs the tests start themselves: headless Chromium (web widget, agent console) and
# Postfix + Dovecot (email channel), nginx (the reverse proxy). Installed once from Debian's packages; never started here.
need=()
[ -x /usr/bin/chromium ] || need+=(chromium)
command -v postfix >/dev/null 2>&1 || [ -x /usr/sbin/postfix ] || need+=(postfix)
[ -x /usr/sbin/dovecot ] || need+=(dovecot-imapd dovecot-lmtpd)
# nginx, the reverse proxy of deploy/ (the public-surface tests start their own on loopback)
[ -x /usr/sbin/nginx ] || need+=(nginx-light)
# a CJK font, so browser screenshots show Chinese instead of empty boxes
[ -e /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ] || need+=(fonts-wqy-microhei)
if [ ${#need[@]} -gt 0 ]; then
  echo "installing test peers: ${need[*]}"
  if [ "$(id -u)" = 0 ]; then
    echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
  fi
  apt_install "${need[@]}" || { echo "could not install ${need[*]}" >&2; exit 1; }
fi
echo "chromium: $(/usr/bin/chromium --version 2>/dev/null | head -n1)"
echo "postfix + dovecot: $(/usr/sbin/dovecot --version 2>/dev/null | cut -d' ' -f1)"
echo "nginx: $(/usr/sbin/nginx -v 2>&1 | cut -d/ -f2)"
