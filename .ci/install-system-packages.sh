#!/usr/bin/env bash
# System packages the tests need: Debian's Chromium for the end-to-end tests, ffmpeg for the video tests (the CLI
# decodes clips with it; the tests make their clips with it), and Mesa's software Vulkan driver
# (lavapipe) for onnxruntime's WebGPU EP. On bookworm it comes from bookworm-backports: bookworm's own Mesa is too
# old for the Dawn build inside onnxruntime-node. Run by .ci/run and by `npm test`'s prerequisite check
# (scripts/test-prerequisites.ts); quick, and without apt-get update, when everything is installed already.
set -euo pipefail
SUDO=""
[ "$(id -u)" = 0 ] || SUDO=sudo
codename="$(. /etc/os-release && echo "${VERSION_CODENAME:-}")"

installed() { [ "$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null)" = installed ]; }
# On bookworm only the backported Mesa will do (its version carries ~bpo12).
mesa_ok() {
  installed mesa-vulkan-drivers || return 1
  [ "$codename" != bookworm ] || dpkg-query -W -f='${Version}' mesa-vulkan-drivers | grep -q '~bpo'
}
if installed libvulkan1 && installed chromium && installed fonts-dejavu-core && installed ffmpeg && mesa_ok; then
  exit 0
fi

mesa_from=()
if [ "$codename" = bookworm ]; then
  if ! grep -rqs 'bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/; then
    echo 'deb http://deb.debian.org/debian bookworm-backports main' | $SUDO tee /etc/apt/sources.list.d/backports.list >/dev/null
  fi
  mesa_from=(-t bookworm-backports)
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends libvulkan1 >/dev/null
# Debian's Chromium for the end-to-end tests (Playwright drives it; no browser download).
$SUDO apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
# ffmpeg: `tessera ask` decodes videos with it from PATH, and the video tests generate their clips with it.
$SUDO apt-get install -y -qq --no-install-recommends ffmpeg >/dev/null
$SUDO apt-get install -y -qq --no-install-recommends "${mesa_from[@]}" mesa-vulkan-drivers >/dev/null
