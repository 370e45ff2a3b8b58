# Shared by the bench scripts (bash; sourced, not run). The caller sets `work` (a directory it
# owns) before sourcing: background processes go in `pids` and everything is removed at exit
# (with BENCH_KEEP_LOGS=1 the logs stay and only the big data files go).
pids=()
cleanup() {
  for p in "${pids[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  if [ "${BENCH_KEEP_LOGS:-}" = 1 ]; then
    find "$work" -type f \( -name '*.bin' -o -name '*.part' -o -name '*.tar.gz' -o -name '*.tar.zst' -o -name '*.tar' \) -delete 2>/dev/null || true
    echo "# logs kept in $work" >&2
  else
    rm -rf "$work"
  fi
}
trap cleanup EXIT
# a free TCP port on 127.0.0.1
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
# wait_for SECONDS CMD...: poll until CMD succeeds, fail after SECONDS
wait_for() {
  local deadline=$((SECONDS + $1)); shift
  until "$@" 2>/dev/null; do
    [ $SECONDS -lt $deadline ] || { echo "timed out waiting for: $*" >&2; return 1; }
    sleep 0.2
  done
}
