using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace AdminPortal.Migrations.Sqlite.Migrations
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
                    Id = table.Column<int>(type: "INTEGER", nullable: false),
                    Instance = table.Column<Guid>(type: "TEXT", nullable: false),
                    Batch = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_EngineStateOwners", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "ThresholdJournal",
                columns: table => new
                {
                    Seq = table.Column<long>(type: "INTEGER", nullable: false),
                    PolicyId = table.Column<string>(type: "TEXT", fixedLength: true, maxLength: 24, nullable: false),
                    User = table.Column<string>(type: "TEXT", maxLength: 256, nullable: false),
                    Recent = table.Column<string>(type: "TEXT", nullable: false),
                    AlertedUntil = table.Column<long>(type: "INTEGER", nullable: true)
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
