using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace AdminPortal.Migrations.PostgreSql.Migrations
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
                type: "character varying(1000)",
                maxLength: 1000,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "HeaderName",
                table: "Playbooks",
                type: "character varying(100)",
                maxLength: 100,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "HeaderValueEncrypted",
                table: "Playbooks",
                type: "character varying(4000)",
                maxLength: 4000,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "Permission",
                table: "PlaybookShares",
                type: "character varying(16)",
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
