using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace AdminPortal.Migrations.SqlServer.Migrations
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
                    Id = table.Column<int>(type: "int", nullable: false),
                    Instance = table.Column<Guid>(type: "uniqueidentifier", nullable: false),
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
                    PolicyId = table.Column<string>(type: "nchar(24)", fixedLength: true, maxLength: 24, nullable: false),
                    User = table.Column<string>(type: "nvarchar(256)", maxLength: 256, nullable: false),
                    Recent = table.Column<string>(type: "nvarchar(max)", nullable: false),
                    AlertedUntil = table.Column<DateTimeOffset>(type: "datetimeoffset", nullable: true)
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
