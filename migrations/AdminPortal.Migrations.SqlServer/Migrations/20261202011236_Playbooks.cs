using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace AdminPortal.Migrations.SqlServer.Migrations
{
    /// <inheritdoc />
    public partial class Playbooks : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "Description",
                table: "Playbooks",
                type: "nvarchar(1000)",
                maxLength: 1000,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "HeaderName",
                table: "Playbooks",
                type: "nvarchar(100)",
                maxLength: 100,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "HeaderValueEncrypted",
                table: "Playbooks",
                type: "nvarchar(4000)",
                maxLength: 4000,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "Permission",
                table: "PlaybookShares",
                type: "nvarchar(16)",
                maxLength: 16,
                nullable: false,
                defaultValue: "Use");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "Description",
                table: "Playbooks");

            migrationBuilder.DropColumn(
                name: "HeaderName",
                table: "Playbooks");

            migrationBuilder.DropColumn(
                name: "HeaderValueEncrypted",
                table: "Playbooks");

            migrationBuilder.DropColumn(
                name: "Permission",
                table: "PlaybookShares");
        }
    }
}
