using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace AdminPortal.Migrations.PostgreSql.Migrations
{
    /// <inheritdoc />
    public partial class TestDeliveries : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AlterColumn<string>(
                name: "AlertId",
                table: "Deliveries",
                type: "character(24)",
                fixedLength: true,
                maxLength: 24,
                nullable: true,
                oldClrType: typeof(string),
                oldType: "character(24)",
                oldFixedLength: true,
                oldMaxLength: 24);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AlterColumn<string>(
                name: "AlertId",
                table: "Deliveries",
                type: "character(24)",
                fixedLength: true,
                maxLength: 24,
                nullable: false,
                defaultValue: "",
                oldClrType: typeof(string),
                oldType: "character(24)",
                oldFixedLength: true,
                oldMaxLength: 24,
                oldNullable: true);
        }
    }
}
