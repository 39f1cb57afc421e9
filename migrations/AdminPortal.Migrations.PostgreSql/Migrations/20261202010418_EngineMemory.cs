using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace AdminPortal.Migrations.PostgreSql.Migrations
{
    /// <inheritdoc />
    public partial class EngineMemory : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "EngineStateOwners",
                columns: table => new
                {
                    Id = table.Column<int>(type: "integer", nullable: false),
                    Instance = table.Column<Guid>(type: "uuid", nullable: false),
                    Batch = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_EngineStateOwners", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "ThresholdJournal",
                columns: table => new
                {
                    Seq = table.Column<long>(type: "bigint", nullable: false),
                    PolicyId = table.Column<string>(type: "character(24)", fixedLength: true, maxLength: 24, nullable: false),
                    User = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: false),
                    Recent = table.Column<string>(type: "text", nullable: false),
                    AlertedUntil = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ThresholdJournal", x => x.Seq);
                });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "EngineStateOwners");

            migrationBuilder.DropTable(
                name: "ThresholdJournal");
        }
    }
}
