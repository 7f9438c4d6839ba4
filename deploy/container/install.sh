#!/bin/sh
# The container's build steps (deploy/Dockerfile runs them; so does tests/deploy, in a
# fresh virtual environment, where no image can be built):
#
#     deploy/container/install.sh /opt/venv
#
# A virtual environment at the given path with the app's dependencies: the pins of
# deploy/cloud/requirements.txt, which are the root requirements.txt's with the CPU
# build of torch from PyTorch's own page. PROBNN_TORCH_WHEELS=DIR takes torch's wheel
# from DIR instead (a machine that cannot reach PyTorch's site). PROBNN_COMPILE=0 skips
# compiling the packages' bytecode (3/4 of the time here; the tests skip it, the image
# does not: its user cannot write bytecode into the environment, so each start would
# compile again). Fails if the torch it installed was built for CUDA.
set -eu
venv="${1:?usage: install.sh VENV}"
root="$(cd "$(dirname "$0")/../.." && pwd)"
requirements="$root/deploy/cloud/requirements.txt"
if [ -n "${PROBNN_TORCH_WHEELS:-}" ]; then
    local_requirements="$(mktemp)"
    trap 'rm -f "$local_requirements"' EXIT
    sed "s#^--find-links https://download.pytorch.org/.*#--find-links $PROBNN_TORCH_WHEELS#" \
        "$requirements" > "$local_requirements"
    requirements="$local_requirements"
fi
python3 -m venv "$venv"
compile="--compile"
[ "${PROBNN_COMPILE:-1}" = 0 ] && compile="--no-compile"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check "$compile" -r "$requirements"
"$venv/bin/python" - <<'PY'
import importlib.metadata as md
import torch
assert torch.version.cuda is None, f"torch {torch.__version__} is a CUDA build"
cuda = [d.metadata["Name"] for d in md.distributions() if d.metadata["Name"].lower().startswith("nvidia-")]
assert not cuda, f"CUDA packages installed: {cuda}"
print(f"torch {torch.__version__} (CPU), streamlit {md.version('streamlit')}")
PY
