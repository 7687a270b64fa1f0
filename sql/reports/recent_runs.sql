-- `joblake runs`: the last runs of the pipeline, newest first, with what they cost.
-- {filter} and {limit} are filled in by the command (`--job`, `--last`).
SELECT
    started_at,
    job,
    trigger,
    status,
    failed_step,
    round(wall_seconds, 1)              AS seconds,
    rows_in,
    rows_out,
    round(cpu_seconds, 1)               AS cpu_s,
    round(peak_memory_bytes / 1e6)      AS peak_mb,
    round(energy_wh, 4)                 AS energy_wh,
    round(co2e_g, 3)                    AS co2e_g,
    run_id,
    error
FROM meta.runs
{filter}
ORDER BY started_at DESC
LIMIT {limit}
