#!/usr/bin/env bash
# A one-node Slurm cluster on this machine, for the tests (test/slurm) and for trying
# `diffusion-lab sweep --scheduler slurm` by hand:
#
#   test/slurm/start-cluster.sh [DIR]   installs slurm-wlm and munge if missing, starts munged,
#                                       slurmctld and slurmd with their config, state and logs in
#                                       DIR (default: a new temp folder), waits until the node is
#                                       idle, and prints the `export` lines that point sbatch,
#                                       squeue, sacct and scancel at it (also written to DIR/env.sh)
#   test/slurm/start-cluster.sh stop DIR  stops the three daemons by their pids
#
# Everything is private to DIR: munged listens on DIR/munge.socket with its own key, and the
# ports are DL_SLURM_PORT and DL_SLURM_PORT + 1 (default 6817, 6818), so a second cluster can
# run beside this one with other ports. Accounting: there is no slurmdbd, so sacct only says
# "accounting storage is disabled"; squeue shows a job for MinJobAge seconds after it ends,
# which is what `diffusion-lab status --sweep` reads here.
set -euo pipefail

die() { echo "start-cluster.sh: $*" >&2; exit 1; }

stop_cluster() {
  local dir=$1
  [ -d "$dir" ] || die "no cluster folder $dir"
  # Jobs first: their processes (slurmstepd and below) would outlive the daemons.
  if [ -s "$dir/slurmctld.pid" ] && kill -0 "$(cat "$dir/slurmctld.pid")" 2>/dev/null; then
    export SLURM_CONF="$dir/slurm.conf"
    scancel --partition=debug 2>/dev/null || true
    for _ in $(seq 1 100); do [ -z "$(squeue --noheader --format=%i 2>/dev/null)" ] && break; sleep 0.2; done
  fi
  # Reverse order of starting; each daemon by the pid it wrote.
  for name in slurmd slurmctld munged; do
    local pidfile="$dir/$name.pid"
    [ -s "$pidfile" ] || continue
    local pid
    pid=$(cat "$pidfile")
    if kill "$pid" 2>/dev/null; then
      for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
    fi
    rm -f "$pidfile"
  done
  echo "stopped the cluster in $dir" >&2
}

if [ "${1:-}" = stop ]; then
  stop_cluster "${2:?usage: start-cluster.sh stop DIR}"
  exit 0
fi

if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null || ! command -v munged >/dev/null || ! command -v sbatch >/dev/null; then
  SUDO=$([ "$(id -u)" = 0 ] || echo sudo)
  echo "installing slurm-wlm and munge" >&2
  $SUDO apt-get update >&2
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y slurm-wlm munge >&2
fi
# SlurmUser=root: the daemons must run as root (they start the jobs as the submitting user).
[ "$(id -u)" = 0 ] || die "run as root (or with sudo): slurmd starts jobs as their users"

dir=${1:-$(mktemp -d /tmp/diffusion-lab-slurm.XXXXXX)}
mkdir -p "$dir/state" "$dir/spool"
chmod 700 "$dir"
dir=$(cd "$dir" && pwd)
port=${DL_SLURM_PORT:-6817}
host=$(hostname -s)
cpus=$(nproc)
# A bit under the free memory, in MB: slurmd refuses a node that has less than it says.
free_mb=$(awk '/MemAvailable/ { print int($2 / 1024) }' /proc/meminfo)
memory=$(( free_mb * 9 / 10 ))

[ -s "$dir/munge.key" ] || { head -c 1024 /dev/urandom > "$dir/munge.key"; chmod 400 "$dir/munge.key"; }

cat > "$dir/slurm.conf" <<EOF
ClusterName=diffusionlab
SlurmctldHost=$host
SlurmctldPort=$port
SlurmdPort=$((port + 1))
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$dir/munge.socket
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
MpiDefault=none
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/slurmctld.log
SlurmdLogFile=$dir/slurmd.log
ReturnToService=2
# Ended jobs stay in squeue for this long: without slurmdbd, squeue is how status --sweep
# learns how a task ended (sacct needs accounting storage; jobcomp/filetxt loses array ids).
MinJobAge=300
# TERM, then KILL this many seconds later (scancel, time limit): time for a tiny run's checkpoint.
KillWait=10
OverTimeLimit=0
InactiveLimit=0
SchedulerParameters=sched_interval=2
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
NodeName=$host CPUs=$cpus RealMemory=$memory State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF

export SLURM_CONF="$dir/slurm.conf"
munged --force --socket="$dir/munge.socket" --key-file="$dir/munge.key" --pid-file="$dir/munged.pid" \
  --log-file="$dir/munged.log" --seed-file="$dir/munged.seed" || die "munged did not start; see $dir/munged.log"
slurmctld -f "$SLURM_CONF" || die "slurmctld did not start; see $dir/slurmctld.log"
slurmd -f "$SLURM_CONF" || die "slurmd did not start; see $dir/slurmd.log"

for _ in $(seq 1 150); do
  state=$(sinfo --noheader --nodes="$host" --format=%T 2>/dev/null || true)
  [ "$state" = idle ] && break
  sleep 0.2
done
[ "$state" = idle ] || die "node $host is not idle after 30 s (sinfo says \"$state\"); see $dir/slurmctld.log and $dir/slurmd.log"

echo "export SLURM_CONF=$SLURM_CONF" > "$dir/env.sh"
echo "export DL_SLURM_DIR=$dir" >> "$dir/env.sh"
cat "$dir/env.sh"
echo "one-node Slurm cluster up: node $host, $cpus CPUs, ${memory} MB, partition debug; stop it with $0 stop $dir" >&2
