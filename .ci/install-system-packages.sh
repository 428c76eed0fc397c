#!/usr/bin/env bash
# System packages the tests need: Debian's Chromium for the end-to-end tests, and Mesa's software Vulkan driver (lavapipe) from bookworm-backports for
# onnxruntime's WebGPU EP. bookworm's own Mesa is too old for the Dawn build inside onnxruntime-node.
set -euo pipefail
SUDO=""
[ "$(id -u)" = 0 ] || SUDO=sudo
if ! grep -rqs 'bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/; then
  echo 'deb http://deb.debian.org/debian bookworm-backports main' | $SUDO tee /etc/apt/sources.list.d/backports.list >/dev/null
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends libvulkan1 >/dev/null
# Debian's Chromium for the end-to-end tests (Playwright drives it; no browser download).
$SUDO apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
$SUDO apt-get install -y -qq --no-install-recommends -t bookworm-backports mesa-vulkan-drivers >/dev/null
