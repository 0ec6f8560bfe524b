#!/bin/bash
# `make demo`: install what is needed, build, boot the VM, show imgsec at work.
set -euo pipefail
cd "$(dirname "$0")/.."
tests/deps.sh
make -s all
exec tests/vm/run.sh tests/demo/demo_vm.sh
