#!/usr/bin/env bash
# 03-rds.sh: the warehouse, an encrypted RDS PostgreSQL that only the pipeline reaches.
#
# Creates what is missing (existing resources are kept as they are, except the parameter
# group's values, set again):
# - a security group ($NAME_PREFIX-warehouse) in VPC_ID: port 5432 from the pipeline's security
#   group (PIPELINE_SG_ID) only, and from BI_SG_ID when given; no outbound rule;
# - a DB subnet group over DB_SUBNET_IDS (private subnets in two availability zones or more);
# - a parameter group: rds.force_ssl = 1 (no connection without TLS), SCRAM passwords,
#   connections logged;
# - the instance: storage encrypted, not publicly accessible, the master password generated
#   and rotated by RDS in Secrets Manager (nobody types it), backups kept DB_BACKUP_DAYS days,
#   deletion protection, PostgreSQL logs to CloudWatch;
# - Secrets Manager secrets: the passwords of joblake_loader and joblake_reader (generated
#   here, never printed) and the loader's JOBLAKE_WAREHOUSE_URL, for the pipeline's task.
# It does not create the roles inside the database, which is not reachable from outside the
# VPC (by design): its last lines print how, with infrastructure/postgres/roles.sql.
#
# Settings (environment), beside those of lib.sh:
#   VPC_ID              (required) the pipeline's VPC
#   DB_SUBNET_IDS       (required) private subnets, space or comma separated, 2 AZs or more
#   PIPELINE_SG_ID      (required) the security group of the pipeline's task or instance
#   BI_SG_ID            a BI tool's security group, also let in on 5432 (default: none)
#   DB_INSTANCE_ID      (default: $NAME_PREFIX-warehouse)
#   DB_NAME             (default: jobs)
#   DB_ENGINE_VERSION   a major version, RDS picks its default minor, or a full one (default: 17)
#   DB_INSTANCE_CLASS   (default: db.t4g.micro)
#   DB_STORAGE_GB       (default: 20)
#   DB_BACKUP_DAYS      (default: 7)
#   DB_MULTI_AZ         1: a standby in a second zone, twice the price (default: 0)
#   DB_KMS_KEY_ID       the storage's key (default: RDS's AWS-managed key, aws/rds)
#   DB_MASTER_USER      (default: joblake_admin)
#   DB_CA               the server certificate's CA (default: rds-ca-rsa2048-g1)
#   SECRETS_PREFIX      names of the secrets (default: $NAME_PREFIX/warehouse)
#   RDS_CA_BUNDLE_PATH  where the pipeline's image holds the RDS CA bundle, for verify-full
#                       (default: /etc/ssl/certs/rds-global-bundle.pem)
#
# Usage: REGION=eu-west-3 BUCKET=acme-joblake-lake VPC_ID=vpc-... DB_SUBNET_IDS="subnet-a subnet-b" \
#        PIPELINE_SG_ID=sg-... ./03-rds.sh [--dry-run]

here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$here/lib.sh"
parse_args "$@"
check_settings

VPC_ID="${VPC_ID:-}"
DB_SUBNET_IDS="${DB_SUBNET_IDS:-}"
PIPELINE_SG_ID="${PIPELINE_SG_ID:-}"
BI_SG_ID="${BI_SG_ID:-}"
DB_INSTANCE_ID="${DB_INSTANCE_ID:-$NAME_PREFIX-warehouse}"
DB_NAME="${DB_NAME:-jobs}"
DB_ENGINE_VERSION="${DB_ENGINE_VERSION:-17}"
DB_INSTANCE_CLASS="${DB_INSTANCE_CLASS:-db.t4g.micro}"
DB_STORAGE_GB="${DB_STORAGE_GB:-20}"
DB_BACKUP_DAYS="${DB_BACKUP_DAYS:-7}"
DB_MULTI_AZ="${DB_MULTI_AZ:-0}"
DB_KMS_KEY_ID="${DB_KMS_KEY_ID:-}"
DB_MASTER_USER="${DB_MASTER_USER:-joblake_admin}"
DB_CA="${DB_CA:-rds-ca-rsa2048-g1}"
SECRETS_PREFIX="${SECRETS_PREFIX:-$NAME_PREFIX/warehouse}"
RDS_CA_BUNDLE_PATH="${RDS_CA_BUNDLE_PATH:-/etc/ssl/certs/rds-global-bundle.pem}"

need VPC_ID "the VPC the pipeline runs in, e.g. VPC_ID=vpc-0123456789abcdef0"
need DB_SUBNET_IDS "private subnets of that VPC in two zones or more, e.g. DB_SUBNET_IDS=\"subnet-a subnet-b\""
need PIPELINE_SG_ID "the security group of the pipeline's task or instance, e.g. PIPELINE_SG_ID=sg-0123456789abcdef0"
[[ $VPC_ID =~ ^vpc-[0-9a-f]+$ ]] || die "VPC_ID=$VPC_ID is not a VPC id"
for sg in "$PIPELINE_SG_ID" ${BI_SG_ID:+"$BI_SG_ID"}; do
  [[ $sg =~ ^sg-[0-9a-f]+$ ]] || die "$sg is not a security group id"
done
read -r -a subnets <<<"${DB_SUBNET_IDS//,/ }"
[ "${#subnets[@]}" -ge 2 ] || die "DB_SUBNET_IDS: RDS wants subnets in two availability zones at least"
for subnet in "${subnets[@]}"; do
  [[ $subnet =~ ^subnet-[0-9a-f]+$ ]] || die "$subnet is not a subnet id"
done
[[ $DB_ENGINE_VERSION =~ ^[0-9]+(\.[0-9]+)?$ ]] || die "DB_ENGINE_VERSION=$DB_ENGINE_VERSION: 17 or 17.6"
[[ $DB_NAME =~ ^[a-z][a-z0-9_]*$ ]] || die "DB_NAME=$DB_NAME: lower-case letters, digits, _"
[[ $DB_MASTER_USER =~ ^[a-z][a-z0-9_]*$ ]] || die "DB_MASTER_USER=$DB_MASTER_USER: lower-case letters, digits, _"
need_int DB_STORAGE_GB
need_int DB_BACKUP_DAYS
case "$DB_MULTI_AZ" in
  0 | 1) ;;
  *) die "DB_MULTI_AZ=$DB_MULTI_AZ: use 0 or 1" ;;
esac
major="${DB_ENGINE_VERSION%%.*}"
name="$NAME_PREFIX-warehouse"
param_group="$name-pg$major"

say "security group $name in $VPC_ID"
sg_id="$(lookup None aws ec2 describe-security-groups --region "$REGION" \
  --filters "Name=vpc-id,Values=$VPC_ID" "Name=group-name,Values=$name" \
  --query 'SecurityGroups[0].GroupId' --output text)"
if [ -z "$sg_id" ] || [ "$sg_id" = None ]; then
  capture sg_id sg-00000000000000000 aws ec2 create-security-group --region "$REGION" \
    --group-name "$name" --vpc-id "$VPC_ID" \
    --description "joblake warehouse: PostgreSQL from the pipeline only" \
    --tag-specifications "ResourceType=security-group,Tags=[{Key=project,Value=joblake}]" \
    --query GroupId --output text
  # The database answers connections; it never opens one.
  run aws ec2 revoke-security-group-egress --region "$REGION" --group-id "$sg_id" \
    --ip-permissions '[{"IpProtocol":"-1","IpRanges":[{"CidrIp":"0.0.0.0/0"}]}]'
fi

# allow_from SG DESCRIPTION: lets SG in on 5432, unless it already is.
allow_from() {
  local source_sg="$1" description="$2" present
  present="$(lookup "" aws ec2 describe-security-group-rules --region "$REGION" \
    --filters "Name=group-id,Values=$sg_id" \
    --query "SecurityGroupRules[?!IsEgress && FromPort==\`5432\` && ReferencedGroupInfo.GroupId=='$source_sg'].SecurityGroupRuleId" \
    --output text)"
  if [ -z "$present" ] || [ "$present" = None ]; then
    run aws ec2 authorize-security-group-ingress --region "$REGION" --group-id "$sg_id" \
      --ip-permissions "IpProtocol=tcp,FromPort=5432,ToPort=5432,UserIdGroupPairs=[{GroupId=$source_sg,Description=$description}]"
  fi
}
allow_from "$PIPELINE_SG_ID" joblake-pipeline
if [ -n "$BI_SG_ID" ]; then
  allow_from "$BI_SG_ID" bi-tool
fi

say "DB subnet group $name"
if ! exists aws rds describe-db-subnet-groups --region "$REGION" --db-subnet-group-name "$name"; then
  run aws rds create-db-subnet-group --region "$REGION" --db-subnet-group-name "$name" \
    --db-subnet-group-description "joblake warehouse: private subnets" --subnet-ids "${subnets[@]}" \
    --tags Key=project,Value=joblake
fi

say "parameter group $param_group (TLS only)"
if ! exists aws rds describe-db-parameter-groups --region "$REGION" --db-parameter-group-name "$param_group"; then
  run aws rds create-db-parameter-group --region "$REGION" --db-parameter-group-name "$param_group" \
    --db-parameter-group-family "postgres$major" --description "joblake warehouse: TLS only, SCRAM" \
    --tags Key=project,Value=joblake
fi
# pending-reboot is accepted for static and dynamic parameters alike; a new instance starts
# with them, an existing one takes them at its next reboot.
run aws rds modify-db-parameter-group --region "$REGION" --db-parameter-group-name "$param_group" \
  --parameters \
  "ParameterName=rds.force_ssl,ParameterValue=1,ApplyMethod=pending-reboot" \
  "ParameterName=password_encryption,ParameterValue=scram-sha-256,ApplyMethod=pending-reboot" \
  "ParameterName=log_connections,ParameterValue=1,ApplyMethod=pending-reboot" \
  "ParameterName=log_disconnections,ParameterValue=1,ApplyMethod=pending-reboot"

say "instance $DB_INSTANCE_ID"
if exists aws rds describe-db-instances --region "$REGION" --db-instance-identifier "$DB_INSTANCE_ID"; then
  say "it exists: left as it is (aws rds modify-db-instance changes it)"
else
  # shellcheck disable=SC2054 # the commas are inside the CLI's shorthand (--tags Key=...,Value=...)
  create=(aws rds create-db-instance --region "$REGION" --db-instance-identifier "$DB_INSTANCE_ID"
    --engine postgres --engine-version "$DB_ENGINE_VERSION" --db-instance-class "$DB_INSTANCE_CLASS"
    --allocated-storage "$DB_STORAGE_GB" --storage-type gp3 --storage-encrypted
    --db-name "$DB_NAME" --master-username "$DB_MASTER_USER" --manage-master-user-password
    --vpc-security-group-ids "$sg_id" --db-subnet-group-name "$name"
    --db-parameter-group-name "$param_group" --no-publicly-accessible
    --ca-certificate-identifier "$DB_CA" --backup-retention-period "$DB_BACKUP_DAYS"
    --copy-tags-to-snapshot --deletion-protection --auto-minor-version-upgrade
    --enable-cloudwatch-logs-exports postgresql
    --tags Key=project,Value=joblake)
  if [ -n "$DB_KMS_KEY_ID" ]; then
    create+=(--kms-key-id "$DB_KMS_KEY_ID")
  fi
  if [ "$DB_MULTI_AZ" = 1 ]; then
    create+=(--multi-az)
  else
    create+=(--no-multi-az)
  fi
  run "${create[@]}"
fi
say "waiting for the instance to be available (a new one takes 5 to 15 minutes)"
run aws rds wait db-instance-available --region "$REGION" --db-instance-identifier "$DB_INSTANCE_ID"
endpoint="$(lookup "$DB_INSTANCE_ID.abcdefghijkl.$REGION.rds.amazonaws.com" aws rds describe-db-instances \
  --region "$REGION" --db-instance-identifier "$DB_INSTANCE_ID" \
  --query 'DBInstances[0].Endpoint.Address' --output text)"
master_secret="$(lookup "arn:aws:secretsmanager:$REGION:$ACCOUNT_ID:secret:rds!db-00000000" aws rds describe-db-instances \
  --region "$REGION" --db-instance-identifier "$DB_INSTANCE_ID" \
  --query 'DBInstances[0].MasterUserSecret.SecretArn' --output text)"

# role_secret USER: a generated password for USER in Secrets Manager ($SECRETS_PREFIX/USER),
# unless the secret exists (it is never rotated here: roles.sql would have to run again).
# Sets CREATED_PASSWORD to the new password, or leaves it empty.
CREATED_PASSWORD=""
role_secret() {
  local user="$1" secret="$SECRETS_PREFIX/$1" file
  CREATED_PASSWORD=""
  if exists aws secretsmanager describe-secret --region "$REGION" --secret-id "$secret"; then
    say "secret $secret exists: kept"
    return
  fi
  private_dir
  file="$RENDER_DIR/$user.json"
  # Letters and digits only: the password goes into a URL and a JSON document unescaped.
  capture CREATED_PASSWORD "generated-in-a-real-run" aws secretsmanager get-random-password --region "$REGION" \
    --password-length 40 --exclude-punctuation --require-each-included-type \
    --query RandomPassword --output text
  # Through a private file, not the command line, where `ps` would show it.
  (
    umask 077
    printf '{"engine":"postgres","host":"%s","port":5432,"dbname":"%s","username":"%s","password":"%s"}\n' \
      "$endpoint" "$DB_NAME" "$user" "$CREATED_PASSWORD" >"$file"
  )
  run aws secretsmanager create-secret --region "$REGION" --name "$secret" \
    --description "joblake warehouse: PostgreSQL role $user ($DB_INSTANCE_ID)" \
    --secret-string "file://$file" --tags Key=project,Value=joblake
}

say "secrets under $SECRETS_PREFIX/"
role_secret joblake_reader
role_secret joblake_loader
if [ -n "$CREATED_PASSWORD" ]; then
  private_dir
  url_file="$RENDER_DIR/loader-url"
  (
    umask 077
    printf 'postgres://joblake_loader:%s@%s:5432/%s?sslmode=verify-full&sslrootcert=%s' \
      "$CREATED_PASSWORD" "$endpoint" "$DB_NAME" "$RDS_CA_BUNDLE_PATH" >"$url_file"
  )
  run aws secretsmanager create-secret --region "$REGION" --name "$SECRETS_PREFIX/warehouse-url" \
    --description "joblake: JOBLAKE_WAREHOUSE_URL of the pipeline (role joblake_loader, TLS verified)" \
    --secret-string "file://$url_file" --tags Key=project,Value=joblake
fi
CREATED_PASSWORD=""

cat <<EOF
== done. The warehouse: $endpoint:5432/$DB_NAME (TLS only, from $PIPELINE_SG_ID${BI_SG_ID:+ and $BI_SG_ID}).
== The pipeline's task gets JOBLAKE_WAREHOUSE_URL from the secret $SECRETS_PREFIX/warehouse-url
   (ECS: "secrets" of the container definition; its execution role may read that secret).
== Next, once: the roles in the database, from a host inside the VPC that $PIPELINE_SG_ID lets
   through (AWS CloudShell in a VPC environment with that security group, or an instance), with
   psql 15+, jq and this repository:

   curl -fsSo global-bundle.pem https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem
   secret() { aws secretsmanager get-secret-value --region $REGION --secret-id "\$1" --query SecretString --output text | jq -r .password; }
   PGPASSWORD="\$(secret '$master_secret')" \\
   JOBLAKE_LOADER_PASSWORD="\$(secret $SECRETS_PREFIX/joblake_loader)" \\
   JOBLAKE_READER_PASSWORD="\$(secret $SECRETS_PREFIX/joblake_reader)" \\
     psql "host=$endpoint port=5432 dbname=$DB_NAME user=$DB_MASTER_USER sslmode=verify-full sslrootcert=global-bundle.pem" \\
          -v ON_ERROR_STOP=1 -f infrastructure/postgres/roles.sql

== then: 04-audit.sh
EOF
