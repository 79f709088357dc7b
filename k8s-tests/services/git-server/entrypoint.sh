#!/bin/sh
# Keys from the Secret mounts (/etc/git-server/host, /etc/git-server/clients) copied with the modes sshd insists
# on; the bare repositories named in $REPOSITORIES created empty (branch main) if missing; sshd in the foreground.
set -eu
install -d -m 0700 /tmp/sshd
install -m 0600 /etc/git-server/host/ssh_host_ed25519_key /tmp/sshd/ssh_host_ed25519_key
cat /etc/git-server/clients/* > /tmp/sshd/authorized_keys
chmod 0600 /tmp/sshd/authorized_keys
for repo in ${REPOSITORIES:-supermarket.git}; do
  [ -d "/srv/git/$repo" ] || git init -q --bare --initial-branch=main "/srv/git/$repo"
done
exec /usr/sbin/sshd -D -e -f /etc/ssh/sshd_config
