#!/usr/bin/env bash
# Adds a migration with the same name to all three providers' migrations assemblies.
# Usage: scripts/add-migration.sh MigrationName
set -euo pipefail
name=${1:?usage: scripts/add-migration.sh MigrationName}
cd "$(dirname "$0")/.."
dotnet tool restore >/dev/null
dotnet restore AdminPortal.sln -v q >/dev/null
for provider in Sqlite SqlServer PostgreSql; do
  project=migrations/AdminPortal.Migrations.$provider
  echo "== $provider"
  dotnet ef migrations add "$name" --project "$project" --startup-project "$project" --output-dir Migrations
done
