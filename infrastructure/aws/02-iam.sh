#!/usr/bin/env bash
# 02-iam.sh: who may touch the lake. Run after 01-bucket.sh.
#
# - The pipeline's role ($PIPELINE_ROLE), assumed by the ECS task or the EC2 instance that runs
#   `joblake schedule`: iam/pipeline-policy.json (list, read, write and delete under
#   s3://$BUCKET/$PREFIX/ only, nothing else of S3) and, with SSE=kms, iam/pipeline-kms-policy.json
#   (the lake's key, through S3 only). joblake finds the role's credentials by itself (the
#   object store reads the ECS task or instance metadata): no access key to store anywhere.
# - The analysts' group ($ANALYST_GROUP): iam/analyst-readonly-policy.json (read silver/ and
#   gold/, never bronze/, where personal data is kept) and, with SSE=kms, decryption with the
#   lake's key through S3. Add people with `aws iam add-user-to-group`, or give the same
#   documents to an IAM Identity Center permission set.
# Running it again puts the same documents again (inline policies are replaced whole).
#
# Settings (environment), beside those of lib.sh:
#   PIPELINE_RUNS_ON  ecs (default: a task role) or ec2 (a role and its instance profile)
#   PIPELINE_ROLE     (default: $NAME_PREFIX-pipeline)
#   ANALYST_GROUP     (default: $NAME_PREFIX-analysts)
#
# Usage: REGION=eu-west-3 BUCKET=acme-joblake-lake ./02-iam.sh [--dry-run]

here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$here/lib.sh"
parse_args "$@"
check_settings

PIPELINE_RUNS_ON="${PIPELINE_RUNS_ON:-ecs}"
PIPELINE_ROLE="${PIPELINE_ROLE:-$NAME_PREFIX-pipeline}"
ANALYST_GROUP="${ANALYST_GROUP:-$NAME_PREFIX-analysts}"
case "$PIPELINE_RUNS_ON" in
  ecs | ec2) ;;
  *) die "PIPELINE_RUNS_ON=$PIPELINE_RUNS_ON: use ecs or ec2" ;;
esac
# KMS_KEY_ARN is read by render (${KMS_KEY_ARN} in the KMS policies).
# shellcheck disable=SC2034
KMS_KEY_ARN=""
# shellcheck disable=SC2034
if [ "$SSE" = kms ]; then
  KMS_KEY_ARN="$(kms_key_arn)" || die "no KMS key $KMS_ALIAS: run 01-bucket.sh first (or set SSE=s3)"
fi

say "pipeline role $PIPELINE_ROLE (runs on $PIPELINE_RUNS_ON)"
render "iam/pipeline-trust-$PIPELINE_RUNS_ON.json"
if exists aws iam get-role --role-name "$PIPELINE_ROLE"; then
  run aws iam update-assume-role-policy --role-name "$PIPELINE_ROLE" --policy-document "file://$RENDERED"
else
  run aws iam create-role --role-name "$PIPELINE_ROLE" \
    --description "joblake pipeline: the lake s3://$BUCKET/$PREFIX only" \
    --assume-role-policy-document "file://$RENDERED" --max-session-duration 3600 \
    --tags Key=project,Value=joblake
fi
render iam/pipeline-policy.json
run aws iam put-role-policy --role-name "$PIPELINE_ROLE" --policy-name "$NAME_PREFIX-lake-s3" \
  --policy-document "file://$RENDERED"
if [ "$SSE" = kms ]; then
  render iam/pipeline-kms-policy.json
  run aws iam put-role-policy --role-name "$PIPELINE_ROLE" --policy-name "$NAME_PREFIX-lake-kms" \
    --policy-document "file://$RENDERED"
elif exists aws iam get-role-policy --role-name "$PIPELINE_ROLE" --policy-name "$NAME_PREFIX-lake-kms"; then
  # Switched from SSE-KMS to SSE-S3: the key's grant goes.
  run aws iam delete-role-policy --role-name "$PIPELINE_ROLE" --policy-name "$NAME_PREFIX-lake-kms"
fi
if [ "$PIPELINE_RUNS_ON" = ec2 ]; then
  if ! exists aws iam get-instance-profile --instance-profile-name "$PIPELINE_ROLE"; then
    run aws iam create-instance-profile --instance-profile-name "$PIPELINE_ROLE" --tags Key=project,Value=joblake
    run aws iam add-role-to-instance-profile --instance-profile-name "$PIPELINE_ROLE" --role-name "$PIPELINE_ROLE"
  fi
fi

say "analysts' group $ANALYST_GROUP (silver and gold, read only)"
if ! exists aws iam get-group --group-name "$ANALYST_GROUP"; then
  run aws iam create-group --group-name "$ANALYST_GROUP"
fi
render iam/analyst-readonly-policy.json
run aws iam put-group-policy --group-name "$ANALYST_GROUP" --policy-name "$NAME_PREFIX-read-silver-gold" \
  --policy-document "file://$RENDERED"
if [ "$SSE" = kms ]; then
  render iam/analyst-kms-policy.json
  run aws iam put-group-policy --group-name "$ANALYST_GROUP" --policy-name "$NAME_PREFIX-lake-kms-decrypt" \
    --policy-document "file://$RENDERED"
elif exists aws iam get-group-policy --group-name "$ANALYST_GROUP" --policy-name "$NAME_PREFIX-lake-kms-decrypt"; then
  run aws iam delete-group-policy --group-name "$ANALYST_GROUP" --policy-name "$NAME_PREFIX-lake-kms-decrypt"
fi

say "done. The pipeline's role: arn:aws:iam::$ACCOUNT_ID:role/$PIPELINE_ROLE"
if [ "$PIPELINE_RUNS_ON" = ecs ]; then
  say "give it as taskRoleArn of the task definition (infrastructure/README.md, step 2)"
else
  say "attach instance profile $PIPELINE_ROLE to the instance that runs joblake"
fi
say "next: 03-rds.sh"
