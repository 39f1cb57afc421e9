using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace AdminPortal.Migrations.PostgreSql.Migrations
{
    /// <inheritdoc />
    public partial class PolicyEngine : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropPrimaryKey(
                name: "PK_AlertEntities",
                table: "AlertEntities");

            migrationBuilder.DropIndex(
                name: "IX_AlertEntities_Type_Value",
                table: "AlertEntities");

            migrationBuilder.DropIndex(
                name: "IX_Activities_ActivityType_Timestamp",
                table: "Activities");

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "DeletedAt",
                table: "Policies",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "DeletedBy",
                table: "Policies",
                type: "character varying(256)",
                maxLength: 256,
                nullable: true);

            migrationBuilder.AlterColumn<long>(
                name: "Id",
                table: "AlertEntities",
                type: "bigint",
                nullable: false,
                oldClrType: typeof(int),
                oldType: "integer")
                .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn)
                .OldAnnotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn);

            migrationBuilder.AddPrimaryKey(
                name: "PK_AlertEntities",
                table: "AlertEntities",
                column: "Id");

            migrationBuilder.CreateTable(
                name: "AlertEvents",
                columns: table => new
                {
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    AlertId = table.Column<string>(type: "character(24)", fixedLength: true, maxLength: 24, nullable: false),
                    At = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    Actor = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: false),
                    Kind = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    Resolution = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: true),
                    ReasonId = table.Column<int>(type: "integer", nullable: true),
                    Comment = table.Column<string>(type: "character varying(2000)", maxLength: 2000, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_AlertEvents", x => x.Id);
                    table.ForeignKey(
                        name: "FK_AlertEvents_Alerts_AlertId",
                        column: x => x.AlertId,
                        principalTable: "Alerts",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "PolicyDailyCounts",
                columns: table => new
                {
                    PolicyId = table.Column<string>(type: "character(24)", fixedLength: true, maxLength: 24, nullable: false),
                    Day = table.Column<DateOnly>(type: "date", nullable: false),
                    Alerts = table.Column<int>(type: "integer", nullable: false),
                    Suppressed = table.Column<int>(type: "integer", nullable: false),
                    Version = table.Column<Guid>(type: "uuid", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_PolicyDailyCounts", x => new { x.PolicyId, x.Day });
                    table.ForeignKey(
                        name: "FK_PolicyDailyCounts_Policies_PolicyId",
                        column: x => x.PolicyId,
                        principalTable: "Policies",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "ThresholdStates",
                columns: table => new
                {
                    PolicyId = table.Column<string>(type: "character(24)", fixedLength: true, maxLength: 24, nullable: false),
                    User = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: false),
                    Recent = table.Column<string>(type: "text", nullable: false),
                    AlertedUntil = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    Version = table.Column<Guid>(type: "uuid", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ThresholdStates", x => new { x.PolicyId, x.User });
                    table.ForeignKey(
                        name: "FK_ThresholdStates_Policies_PolicyId",
                        column: x => x.PolicyId,
                        principalTable: "Policies",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_Alerts_ResolutionStatus_PolicyId",
                table: "Alerts",
                columns: new[] { "ResolutionStatus", "PolicyId" });

            migrationBuilder.CreateIndex(
                name: "IX_AlertEntities_AlertId",
                table: "AlertEntities",
                column: "AlertId");

            migrationBuilder.CreateIndex(
                name: "IX_AlertEntities_Type_Value_AlertId",
                table: "AlertEntities",
                columns: new[] { "Type", "Value", "AlertId" });

            migrationBuilder.CreateIndex(
                name: "IX_AlertEvents_AlertId_At",
                table: "AlertEvents",
                columns: new[] { "AlertId", "At" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "AlertEvents");

            migrationBuilder.DropTable(
                name: "PolicyDailyCounts");

            migrationBuilder.DropTable(
                name: "ThresholdStates");

            migrationBuilder.DropIndex(
                name: "IX_Alerts_ResolutionStatus_PolicyId",
                table: "Alerts");

            migrationBuilder.DropPrimaryKey(
                name: "PK_AlertEntities",
                table: "AlertEntities");

            migrationBuilder.DropIndex(
                name: "IX_AlertEntities_AlertId",
                table: "AlertEntities");

            migrationBuilder.DropIndex(
                name: "IX_AlertEntities_Type_Value_AlertId",
                table: "AlertEntities");

            migrationBuilder.DropColumn(
                name: "DeletedAt",
                table: "Policies");

            migrationBuilder.DropColumn(
                name: "DeletedBy",
                table: "Policies");

            migrationBuilder.AlterColumn<int>(
                name: "Id",
                table: "AlertEntities",
                type: "integer",
                nullable: false,
                oldClrType: typeof(long),
                oldType: "bigint")
                .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn)
                .OldAnnotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn);

            migrationBuilder.AddPrimaryKey(
                name: "PK_AlertEntities",
                table: "AlertEntities",
                columns: new[] { "AlertId", "Id" });

            migrationBuilder.CreateIndex(
                name: "IX_AlertEntities_Type_Value",
                table: "AlertEntities",
                columns: new[] { "Type", "Value" });

            migrationBuilder.CreateIndex(
                name: "IX_Activities_ActivityType_Timestamp",
                table: "Activities",
                columns: new[] { "ActivityType", "Timestamp" });
        }
    }
}
