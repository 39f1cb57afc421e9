using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace AdminPortal.Migrations.PostgreSql.Migrations
{
    /// <inheritdoc />
    public partial class AlertEmail : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "AlertEmails",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    Kind = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    AlertId = table.Column<string>(type: "character(24)", fixedLength: true, maxLength: 24, nullable: true),
                    PolicyId = table.Column<string>(type: "character(24)", fixedLength: true, maxLength: 24, nullable: false),
                    Recipient = table.Column<string>(type: "character varying(254)", maxLength: 254, nullable: false),
                    Day = table.Column<DateOnly>(type: "date", nullable: false),
                    State = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    AttemptCount = table.Column<int>(type: "integer", nullable: false),
                    NextAttemptAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    LeaseOwner = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: true),
                    LeaseExpiresAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    LastError = table.Column<string>(type: "character varying(2000)", maxLength: 2000, nullable: true),
                    CreatedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    CompletedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_AlertEmails", x => x.Id);
                    table.ForeignKey(
                        name: "FK_AlertEmails_Alerts_AlertId",
                        column: x => x.AlertId,
                        principalTable: "Alerts",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                    table.ForeignKey(
                        name: "FK_AlertEmails_Policies_PolicyId",
                        column: x => x.PolicyId,
                        principalTable: "Policies",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "EmailRecipientDays",
                columns: table => new
                {
                    Recipient = table.Column<string>(type: "character varying(254)", maxLength: 254, nullable: false),
                    Day = table.Column<DateOnly>(type: "date", nullable: false),
                    Queued = table.Column<int>(type: "integer", nullable: false),
                    Suppressed = table.Column<int>(type: "integer", nullable: false),
                    Version = table.Column<Guid>(type: "uuid", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_EmailRecipientDays", x => new { x.Recipient, x.Day });
                });

            migrationBuilder.CreateIndex(
                name: "IX_AlertEmails_AlertId",
                table: "AlertEmails",
                column: "AlertId");

            migrationBuilder.CreateIndex(
                name: "IX_AlertEmails_PolicyId_Day_State",
                table: "AlertEmails",
                columns: new[] { "PolicyId", "Day", "State" });

            migrationBuilder.CreateIndex(
                name: "IX_AlertEmails_State_LeaseExpiresAt",
                table: "AlertEmails",
                columns: new[] { "State", "LeaseExpiresAt" });

            migrationBuilder.CreateIndex(
                name: "IX_AlertEmails_State_NextAttemptAt",
                table: "AlertEmails",
                columns: new[] { "State", "NextAttemptAt" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "AlertEmails");

            migrationBuilder.DropTable(
                name: "EmailRecipientDays");
        }
    }
}
