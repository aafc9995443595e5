#!/usr/bin/env bash
# bootstrap.sh: installs (with apt-get) everything mtascope needs to build, test and run its test world.
# Idempotent: packages already installed are not touched, and apt-get runs only when something is missing.
set -euo pipefail

PACKAGES=(
  build-essential cmake pkg-config clang clang-format libclang-rt-14-dev
  libuv1-dev libc-ares-dev libldns-dev libssl-dev libcurl4-openssl-dev liblmdb-dev
  nsd unbound ldnsutils bind9-dnsutils lmdb-utils dnsperf python3 procps openssl ca-certificates
  postfix
  nginx postfix-mta-sts-resolver
  zlib1g-dev libidn2-dev libpsl-dev publicsuffix
  slurm-wlm munge
  chromium
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "bootstrap: all ${#PACKAGES[@]} packages present"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "bootstrap: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
  SUDO="sudo"
fi
echo "bootstrap: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# policy-rc.d keeps the packaged nsd/unbound/postfix/nginx/mta-sts-daemon/munge/slurm services from starting on
# the machine's ports 53, 25, 80, 443 and 8461: the test world runs its own instances on
# 127.53.0.0/16, 127.62.0.0/16 and 127.63.0.0/16 (nginx: tests/world/sts/), and only the
# mta-sts-query client of postfix-mta-sts-resolver is used.
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
  $SUDO chmod +x /usr/sbin/policy-rc.d
  trap '$SUDO rm -f /usr/sbin/policy-rc.d' EXIT
fi
# Postfix: the test world runs its own private instance (tests/world/postfix/). "No configuration"
# keeps the package from writing /etc/postfix/main.cf, so the machine's own Postfix has nothing to
# start on port 25 even without policy-rc.d; posttls-finger comes with it.
if printf '%s\n' "${missing[@]}" | grep -qx postfix; then
  echo "postfix postfix/main_mailer_type select No configuration" | $SUDO debconf-set-selections
fi
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
# policy-rc.d only covers the installation: keep the packaged nginx (port 80) and mta-sts-daemon
# from starting at the next boot too (update-rc.d disable drops the rc.d and the systemd links). The
# world starts its own nginx from its own config.
for svc in nginx postfix-mta-sts-resolver; do
  if printf '%s\n' "${missing[@]}" | grep -qx "$svc"; then
    $SUDO update-rc.d "$svc" disable >/dev/null 2>&1 || true
  fi
done
