#!/usr/bin/env bash
# Scaling with N of a Tavis-Cummings battery under local noise (Canzio et al. 2024, Figs. 4-5)
# from the command line: sweep N, fit power laws, plot. About 30 s on a 2-core machine.
#
#   bash examples/studies/canzio_scaling.sh [OUT_DIR]      # default: ./canzio_scaling
#
# The spec is examples/canzio_local_noise.toml (g = g_c/2 with g/sqrt(N), kappa = 0.15,
# gamma_phi = gamma_down = 0.1), whose charger |alpha = sqrt(N)> and photon cutoff are written
# as expressions of N, so the sweep over N runs the paper's own family.
# Rerunning resumes: finished points are never recomputed.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
spec="$here/../canzio_local_noise.toml"
out=${1:-canzio_scaling}
mkdir -p "$out"

qbattery sweep "$spec" --over N=2,3,4,6,8,10 -o "$out/sweep.nc"

# maximum ergotropy and charging time tau (time of maximum ergotropy) against N, over N >= 4
qbattery fit "$out/sweep.nc" --quantity ergotropy_max --against N --range 4: \
  --plot "$out/ergotropy_max_fit.png" --json "$out/ergotropy_max_fit.json"
qbattery fit "$out/sweep.nc" --quantity tau_ergotropy --against N --range 4: \
  --plot "$out/tau_fit.png" --json "$out/tau_fit.json"
# the locked energy at tau against Eq. 9's bound 2N/(N+2): a straight line fits its growth
qbattery fit "$out/sweep.nc" --quantity locked_energy_at_tau --against N --model linear \
  --json "$out/locked_fit.json"

# series over t (one line per N) and the summaries over N
qbattery plot "$out/sweep.nc" -o "$out/sweep.png"
qbattery plot "$out/sweep.nc" -q ergotropy_max -q locked_energy_at_tau -q locked_energy_bound \
  -q tau_ergotropy -o "$out/summaries.png"
