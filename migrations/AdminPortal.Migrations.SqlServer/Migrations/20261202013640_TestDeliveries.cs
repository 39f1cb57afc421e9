using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace AdminPortal.Migrations.SqlServer.Migrations
{
    /// <inheritdoc />
    public partial class TestDeliveries : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Deliveries_AlertId_PlaybookId",
                table: "Deliveries");

            migrationBuilder.AlterColumn<string>(
                name: "AlertId",
                table: "Deliveries",
                type: "nchar(24)",
                fixedLength: true,
                maxLength: 24,
                nullable: true,
                oldClrType: typeof(string),
                oldType: "nchar(24)",
                oldFixedLength: true,
                oldMaxLength: 24);

            migrationBuilder.CreateIndex(
                name: "IX_Deliveries_AlertId_PlaybookId",
                table: "Deliveries",
                columns: new[] { "AlertId", "PlaybookId" },
                unique: true,
                filter: "[AlertId] IS NOT NULL");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Deliveries_AlertId_PlaybookId",
                table: "Deliveries");

            migrationBuilder.AlterColumn<string>(
                name: "AlertId",
                table: "Deliveries",
                type: "nchar(24)",
                fixedLength: true,
                maxLength: 24,
                nullable: false,
                defaultValue: "",
                oldClrType: typeof(string),
                oldType: "nchar(24)",
                oldFixedLength: true,
                oldMaxLength: 24,
                oldNullable: true);

            migrationBuilder.CreateIndex(
                name: "IX_Deliveries_AlertId_PlaybookId",
                table: "Deliveries",
                columns: new[] { "AlertId", "PlaybookId" },
                unique: true);
        }
    }
}
