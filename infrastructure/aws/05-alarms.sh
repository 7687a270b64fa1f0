#!/usr/bin/env bash
# 05-alarms.sh: an e-mail when runs fail, or when none succeeds for hours.
#
# How the figures get to CloudWatch: `joblake schedule` writes one line on stderr at the end of
# every run attempt, e.g.
#   joblake schedule: pipeline run 20261201T100500Z-1a2b3c4d failed in 12.3 s: <error>
#   joblake schedule: pipeline attempt 1 failed; retrying in 1m
# (src/ops/schedule/mod.rs; tests/it/infrastructure.rs checks that the format and these
# filters agree). On ECS the container's stderr goes to a CloudWatch Logs group through the
# awslogs log driver (awslogs-group = $LOG_GROUP); metric filters (cloudwatch/filter-*.json)
# turn those lines into metrics with a Job dimension: FailedAttempts, RetriedAttempts,
# CompletedRuns (succeeded or partial). Two alarms per job of ALARM_JOBS, to an SNS topic:
# - $NAME_PREFIX-<job>-run-failed: a run failed after its last retry (failed attempts minus
#   those that were retried, over 5 minutes; cloudwatch/alarm-run-failed.json);
# - $NAME_PREFIX-<job>-no-completed-run: no completed run in NO_SUCCESS_HOURS hours
#   (missing data counts: a dead scheduler, a lake it cannot reach; it also fires until the
#   first run after setup).
# The Prometheus endpoint of the scheduler (/metrics, docs/operations.md) serves the same
# figures for a Prometheus, or a CloudWatch agent beside the container: see
# infrastructure/README.md.
# Running it again puts the same filters and alarms again.
#
# Settings (environment), beside those of lib.sh:
#   LOG_GROUP                  the scheduler's log group (default: /$NAME_PREFIX/schedule)
#   LOG_GROUP_RETENTION_DAYS   (default: 90)
#   METRIC_NAMESPACE           (default: joblake)
#   ALARM_JOBS                 jobs to watch, space separated (default: pipeline)
#   NO_SUCCESS_HOURS           (default: 3, for an hourly job with retries; 26 for a daily one)
#   ALARM_EMAIL                an address subscribed to the alarms' topic (default: none;
#                              the address confirms by e-mail)
#
# Usage: REGION=eu-west-3 BUCKET=acme-joblake-lake ALARM_EMAIL=ops@example.com ./05-alarms.sh [--dry-run]

here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$here/lib.sh"
parse_args "$@"
check_settings

LOG_GROUP="${LOG_GROUP:-/$NAME_PREFIX/schedule}"
LOG_GROUP_RETENTION_DAYS="${LOG_GROUP_RETENTION_DAYS:-90}"
METRIC_NAMESPACE="${METRIC_NAMESPACE:-joblake}"
ALARM_JOBS="${ALARM_JOBS:-pipeline}"
NO_SUCCESS_HOURS="${NO_SUCCESS_HOURS:-3}"
ALARM_EMAIL="${ALARM_EMAIL:-}"
need_int LOG_GROUP_RETENTION_DAYS
need_int NO_SUCCESS_HOURS
if [ "$NO_SUCCESS_HOURS" -lt 1 ] || [ "$NO_SUCCESS_HOURS" -gt 168 ]; then
  die "NO_SUCCESS_HOURS must be between 1 and 168 (an alarm looks back a week at most)"
fi
[[ $LOG_GROUP =~ ^[A-Za-z0-9_/.#-]+$ ]] || die "LOG_GROUP=$LOG_GROUP is not a log group name"
[[ $METRIC_NAMESPACE =~ ^[A-Za-z0-9_/.#:-]+$ ]] || die "METRIC_NAMESPACE=$METRIC_NAMESPACE"
read -r -a jobs <<<"$ALARM_JOBS"
[ "${#jobs[@]}" -ge 1 ] || die "ALARM_JOBS is empty"
for job in "${jobs[@]}"; do
  [[ $job =~ ^[A-Za-z0-9_-]+$ ]] || die "ALARM_JOBS: $job is not a job name of joblake.toml"
done
if [ -n "$ALARM_EMAIL" ] && [[ ! $ALARM_EMAIL =~ ^[^@[:space:]]+@[^@[:space:]]+$ ]]; then
  die "ALARM_EMAIL=$ALARM_EMAIL is not an e-mail address"
fi

say "log group $LOG_GROUP (the ECS task's awslogs-group)"
existing_group="$(lookup None aws logs describe-log-groups --region "$REGION" --log-group-name-prefix "$LOG_GROUP" \
  --query "logGroups[?logGroupName=='$LOG_GROUP'] | [0].logGroupName" --output text)"
if [ "$existing_group" != "$LOG_GROUP" ]; then
  run aws logs create-log-group --region "$REGION" --log-group-name "$LOG_GROUP" --tags project=joblake
fi
run aws logs put-retention-policy --region "$REGION" --log-group-name "$LOG_GROUP" \
  --retention-in-days "$LOG_GROUP_RETENTION_DAYS"

say "metric filters (namespace $METRIC_NAMESPACE)"
for filter in run-failed run-retried run-succeeded run-partial; do
  render "cloudwatch/filter-$filter.json"
  run aws logs put-metric-filter --region "$REGION" --cli-input-json "file://$RENDERED"
done

say "alarm topic $NAME_PREFIX-alarms"
# create-topic returns the existing topic's ARN when it exists.
capture TOPIC_ARN "arn:aws:sns:$REGION:$ACCOUNT_ID:$NAME_PREFIX-alarms" \
  aws sns create-topic --region "$REGION" --name "$NAME_PREFIX-alarms" \
  --tags Key=project,Value=joblake --query TopicArn --output text
if [ -n "$ALARM_EMAIL" ]; then
  # Subscribing the same address again changes nothing.
  run aws sns subscribe --region "$REGION" --topic-arn "$TOPIC_ARN" --protocol email \
    --notification-endpoint "$ALARM_EMAIL"
fi

for JOB in "${jobs[@]}"; do
  say "alarms of job $JOB"
  render cloudwatch/alarm-run-failed.json
  run aws cloudwatch put-metric-alarm --region "$REGION" --cli-input-json "file://$RENDERED"
  render cloudwatch/alarm-no-completed-run.json
  run aws cloudwatch put-metric-alarm --region "$REGION" --cli-input-json "file://$RENDERED"
done

say "done.${ALARM_EMAIL:+ Confirm the subscription sent to $ALARM_EMAIL.} The no-completed-run alarm stays in ALARM until the first run completes."
