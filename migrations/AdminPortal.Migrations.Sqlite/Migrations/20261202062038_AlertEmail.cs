using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace AdminPortal.Migrations.Sqlite.Migrations
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
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    Kind = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    AlertId = table.Column<string>(type: "TEXT", fixedLength: true, maxLength: 24, nullable: true),
                    PolicyId = table.Column<string>(type: "TEXT", fixedLength: true, maxLength: 24, nullable: false),
                    Recipient = table.Column<string>(type: "TEXT", maxLength: 254, nullable: false),
                    Day = table.Column<DateOnly>(type: "TEXT", nullable: false),
                    State = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    AttemptCount = table.Column<int>(type: "INTEGER", nullable: false),
                    NextAttemptAt = table.Column<long>(type: "INTEGER", nullable: false),
                    LeaseOwner = table.Column<string>(type: "TEXT", maxLength: 128, nullable: true),
                    LeaseExpiresAt = table.Column<long>(type: "INTEGER", nullable: true),
                    LastError = table.Column<string>(type: "TEXT", maxLength: 2000, nullable: true),
                    CreatedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    CompletedAt = table.Column<long>(type: "INTEGER", nullable: true)
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
                    Recipient = table.Column<string>(type: "TEXT", maxLength: 254, nullable: false),
                    Day = table.Column<DateOnly>(type: "TEXT", nullable: false),
                    Queued = table.Column<int>(type: "INTEGER", nullable: false),
                    Suppressed = table.Column<int>(type: "INTEGER", nullable: false),
                    Version = table.Column<Guid>(type: "TEXT", nullable: false)
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
