using System.Text.Json;
using System.Text.Json.Serialization;
using AdminPortal.Core.Features.Alerts;
using AdminPortal.Core.Features.Policies;

namespace AdminPortal.Core.Features.Demo;

/// <summary>One sample activity, in the JSON shape the ingest API and the <c>ingest</c> command take.</summary>
public sealed record DemoActivity(
    DateTimeOffset Timestamp, string App, string ActivityType, string User, string IpAddress, string Country, string Device,
    string? ObjectName = null, string? TargetUser = null)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    public JsonElement ToJson() => JsonSerializer.SerializeToElement(this, Json);
}

/// <summary>
/// Sample data for trying the portal out: a few policies like the ones a security team starts with, and a day of
/// activities of a small Contoso tenant with a handful of incidents in it (a brute-forced account that then downloads
/// in bulk from a risky country, a password spray, a leaver sharing files to a private address, admins working
/// from home). Generated from a fixed seed, with times relative to the clock: the same activities, and so the same
/// alerts, every time. Addresses are from the documentation and benchmarking ranges (RFC 5737, 2544, 3849).
/// </summary>
public static class DemoData
{
    public const string Domain = "contoso.com";
    public const int Seed = 2024;
    public const int BackgroundActivities = 2_600;

    /// <summary>The offices' internet egress addresses: admin work from anywhere else is unusual.</summary>
    private static readonly (string Ip, string Country)[] Offices =
        [("192.0.2.10", "US"), ("192.0.2.20", "GB"), ("192.0.2.30", "DE"), ("192.0.2.40", "NL")];

    private static readonly string[] AnonymizerRanges = ["203.0.113.0/24"];
    private static readonly string[] RiskyCountries = ["KP", "IR", "SY", "CU"];
    private static readonly string[] AdminActivityTypes =
        ["AddMemberToRole", "ResetUserPassword", "UpdateConditionalAccessPolicy", "CreateUser", "DisableAccount", "AddServicePrincipalCredentials"];

    /// <summary>The policies, in the order they are created.</summary>
    public static IReadOnlyList<PolicyDraft> Policies() =>
    [
        new()
        {
            Name = "Log-on from a risky country",
            Description = "A user logged on, or tried to, from a country the organization does not do business with (KP, IR, SY, CU).",
            Type = PolicyType.Access,
            Category = PolicyCategory.ConditionalAccess,
            Severity = AlertSeverity.High,
            Conditions =
            [
                Condition(ActivityFields.ActivityType, ConditionOperator.InList, "LogOn", "LogOnFailed"),
                Condition(ActivityFields.Country, ConditionOperator.InList, RiskyCountries),
            ],
            AlertSettings = new() { DailyAlertLimit = 50 },
        },
        new()
        {
            Name = "Repeated failed log-ons",
            Description = "A user failed to log on 10 or more times within 5 minutes: a password being guessed.",
            Severity = AlertSeverity.Medium,
            Conditions = [Condition(ActivityFields.ActivityType, ConditionOperator.Equals, "LogOnFailed")],
            UseThreshold = true, ThresholdCount = 10, ThresholdWindowMinutes = 5,
            AlertSettings = new() { DailyAlertLimit = 50 },
        },
        new()
        {
            Name = "Mass download by a single user",
            Description = "A single user downloaded 30 or more files within 5 minutes.",
            Severity = AlertSeverity.Medium,
            Conditions = [Condition(ActivityFields.ActivityType, ConditionOperator.Equals, "FileDownload")],
            UseThreshold = true, ThresholdCount = 30, ThresholdWindowMinutes = 5,
            AlertSettings = new() { DailyAlertLimit = 20 },
        },
        new()
        {
            Name = "Admin activity from an unusual IP",
            Description = "An administrative action (role change, password reset, policy change…) from outside the office networks.",
            Severity = AlertSeverity.High,
            Conditions =
            [
                Condition(ActivityFields.ActivityType, ConditionOperator.InList, AdminActivityTypes),
                Condition(ActivityFields.IpAddress, ConditionOperator.NotEquals, [.. Offices.Select(o => o.Ip)]),
            ],
            AlertSettings = new() { DailyAlertLimit = 50 },
        },
        new()
        {
            Name = "File shared externally",
            Description = $"A file was shared with someone outside {Domain}.",
            Type = PolicyType.File,
            Category = PolicyCategory.InformationProtection,
            Severity = AlertSeverity.Medium,
            Conditions =
            [
                Condition(ActivityFields.ActivityType, ConditionOperator.Equals, "FileShare"),
                Condition(ActivityFields.TargetUser, ConditionOperator.DoesNotEndWith, "@" + Domain),
            ],
            AlertSettings = new() { DailyAlertLimit = 100 },
        },
        new()
        {
            Name = "Log-on through an anonymizing proxy",
            Description = "A user logged on from an address of a known anonymizing proxy or Tor exit range (example range 203.0.113.0/24).",
            Type = PolicyType.Access,
            Category = PolicyCategory.ConditionalAccess,
            Severity = AlertSeverity.High,
            Conditions =
            [
                Condition(ActivityFields.ActivityType, ConditionOperator.Equals, "LogOn"),
                Condition(ActivityFields.IpAddress, ConditionOperator.IpInRange, AnonymizerRanges),
            ],
            AlertSettings = new() { DailyAlertLimit = 50 },
        },
        new()
        {
            Name = "Log-on with legacy authentication",
            Description = "A mail client logged on with IMAP or POP and a plain password. Disabled in the demo: enable it to see the matches.",
            Type = PolicyType.Access,
            Category = PolicyCategory.ConditionalAccess,
            Severity = AlertSeverity.Low,
            IsEnabled = false,
            Conditions =
            [
                Condition(ActivityFields.ActivityType, ConditionOperator.Equals, "LogOn"),
                Condition(ActivityFields.Device, ConditionOperator.StartsWith, "IMAP4", "POP3"),
            ],
        },
    ];

    /// <summary>A day of activities up to <paramref name="now"/>, oldest first.</summary>
    public static IReadOnlyList<DemoActivity> Activities(DateTimeOffset now, int seed = Seed) => new Day(now, seed).Generate();

    private static ConditionDraft Condition(string field, ConditionOperator op, params string[] values) =>
        new() { Field = field, Operator = op, Values = [.. values] };

    private sealed record Person(string Upn, int Office, string HomeIp, string Device, bool LegacyMail = false)
    {
        public string Country => Offices[Office].Country;
    }

    /// <summary>One generated day; every random choice comes from one seeded <see cref="Random"/>, in a fixed order.</summary>
    private sealed class Day
    {
        private const string Entra = "Microsoft Entra ID";
        private static readonly string[] Devices = ["Windows 11 · Edge", "Windows 11 · Chrome", "macOS · Safari", "Windows 11 · Teams desktop"];
        private static readonly string[] MobileDevices = ["iOS · Outlook", "Android · Teams", "iOS · OneDrive"];
        private static readonly string[] Files =
        [
            "Q3 forecast.xlsx", "Board deck - October.pptx", "Customer list 2025.csv", "Employee handbook.pdf", "Project Falcon spec.docx",
            "Salary review 2025.xlsx", "Contract - Fabrikam.pdf", "Pricing model v7.xlsx", "Roadmap FY26.pptx", "Incident report 0412.docx",
            "Org chart.vsdx", "Travel policy.pdf", "Marketing plan H1.docx", "Partner NDA - Adatum.pdf", "Budget 2026 draft.xlsx",
            "Release notes 4.2.md", "Architecture overview.pdf", "Onboarding checklist.docx", "Sales pipeline.xlsx", "Security baseline.docx",
        ];
        private static readonly string[] ExternalRecipients =
        [
            "accounts@fabrikam.com", "legal@adatum.com", "d.miller@northwindtraders.com", "projects@woodgrovebank.com", "jane.doe84@gmail.com",
            "m.jones@outlook.com",
        ];
        private static readonly string[] ProxyCountries = ["NL", "DE", "SE", "CH"];
        private static readonly string[] Reports = ["Pipeline by region", "Closed won this quarter", "Top accounts", "Open opportunities"];

        /// <summary>Weighted (app, activity type) pairs of an ordinary working day.</summary>
        private static readonly (string App, string Type, int Weight)[] Everyday =
        [
            (Entra, "LogOn", 16), (Entra, "LogOnFailed", 3),
            ("Microsoft SharePoint Online", "FileView", 12), ("Microsoft SharePoint Online", "FileDownload", 7),
            ("Microsoft SharePoint Online", "FileUpload", 4), ("Microsoft SharePoint Online", "FileShare", 3),
            ("Microsoft OneDrive for Business", "FileView", 8), ("Microsoft OneDrive for Business", "FileDownload", 5),
            ("Microsoft OneDrive for Business", "FileUpload", 4), ("Microsoft OneDrive for Business", "FileShare", 2),
            ("Box", "FileView", 3), ("Box", "FileDownload", 2), ("Box", "FileShare", 1),
            ("Microsoft Exchange Online", "SendMail", 12), ("Microsoft Teams", "SendMessage", 10),
            ("Salesforce", "ViewReport", 4), ("Salesforce", "ExportReport", 1), ("GitHub", "RepositoryClone", 2),
        ];

        private static readonly Person[] People = MakePeople();

        private readonly DateTimeOffset _now;
        private readonly Random _random;
        private readonly List<DemoActivity> _activities = [];

        public Day(DateTimeOffset now, int seed)
        {
            // Whole milliseconds, as activities are stored: the gaps between them are then exactly the generated ones.
            _now = DateTimeOffset.FromUnixTimeMilliseconds(now.ToUnixTimeMilliseconds());
            _random = new Random(seed);
        }

        public IReadOnlyList<DemoActivity> Generate()
        {
            for (var i = 0; i < BackgroundActivities; i++)
                Ordinary(Pick(People), AnyTime());
            AdminWork("nestor.wilke");
            AdminWork("lee.gu");
            BruteForce("debra.berger", "198.19.20.31", "RU", hoursAgo: 21);
            BruteForce("pradeep.gupta", "198.19.44.7", "VN", hoursAgo: 15);
            BruteForce("alex.wilber", "198.19.61.12", "BR", hoursAgo: 9);
            CompromisedAccount("alex.wilber", "198.51.100.23", "IR", hoursAgo: 8);
            PasswordSpray("198.19.66.6", "RU", hoursAgo: 12);
            RiskyCountryScan("198.51.100.77", "KP", hoursAgo: 18);
            Traveller("lidia.holloway", "198.51.100.140", "CU", hoursAgo: 6);
            AnonymizedLogOns("isaiah.langer", hoursAgo: 4);
            Leaver("johanna.lorenz", hoursAgo: 3);
            SyncClient("diego.siciliani", hoursAgo: 11);
            return _activities.OrderBy(a => a.Timestamp).ToList();
        }

        /// <summary>An ordinary activity: from the office or from home, on the usual device or a phone.</summary>
        private void Ordinary(Person person, DateTimeOffset at)
        {
            var (app, type, _) = PickWeighted(Everyday);
            var atOffice = _random.NextDouble() < 0.7;
            var ip = atOffice ? Offices[person.Office].Ip : person.HomeIp;
            var device = _random.NextDouble() < 0.2 ? Pick(MobileDevices) : person.Device;
            if (type == "LogOn" && person.LegacyMail && _random.NextDouble() < 0.3)
                (app, device) = ("Microsoft Exchange Online", "IMAP4 (basic authentication)");
            string? file = null, target = null;
            switch (type)
            {
                case "FileView" or "FileDownload" or "FileUpload":
                    file = Pick(Files);
                    break;
                case "FileShare":
                    file = Pick(Files);
                    target = _random.NextDouble() < 0.2 ? Pick(ExternalRecipients) : Pick(People).Upn;
                    break;
                case "ViewReport" or "ExportReport":
                    file = Pick(Reports);
                    break;
            }
            Add(at, app, type, person.Upn, ip, person.Country, device, file, target);
        }

        /// <summary>An admin's day: mostly from the office, some of it from home (the policy cannot tell those apart from an attacker).</summary>
        private void AdminWork(string name)
        {
            var admin = Find(name);
            for (var i = 0; i < 30; i++)
            {
                var ip = _random.NextDouble() < 0.8 ? Offices[admin.Office].Ip : admin.HomeIp;
                Add(AnyTime(), Entra, Pick(AdminActivityTypes), admin.Upn, ip, admin.Country, admin.Device, Pick(People).Upn);
            }
        }

        /// <summary>Password guessing against one account: a few dozen failures a few seconds apart.</summary>
        private void BruteForce(string name, string ip, string country, int hoursAgo)
        {
            var upn = Find(name).Upn;
            var at = Around(hoursAgo);
            var attempts = _random.Next(18, 41);
            for (var i = 0; i < attempts; i++)
            {
                at += TimeSpan.FromMilliseconds(_random.Next(4_000, 20_000));
                Add(at, Entra, "LogOnFailed", upn, ip, country, "Unknown · python-requests");
            }
        }

        /// <summary>The guessed password in use: log-ons from a risky country, a bulk download, an attempt at a role change.</summary>
        private void CompromisedAccount(string name, string ip, string country, int hoursAgo)
        {
            var upn = Find(name).Upn;
            var at = Around(hoursAgo);
            const string device = "Linux · Firefox";
            for (var i = 0; i < 4; i++)
            {
                at += TimeSpan.FromMinutes(_random.Next(5, 40));
                Add(at, Entra, "LogOn", upn, ip, country, device);
            }
            var downloads = _random.Next(50, 70);
            for (var i = 0; i < downloads; i++)
            {
                at += TimeSpan.FromMilliseconds(_random.Next(2_000, 8_000));
                Add(at, "Microsoft SharePoint Online", "FileDownload", upn, ip, country, device, Pick(Files));
            }
            for (var i = 0; i < 2; i++)
            {
                at += TimeSpan.FromMinutes(_random.Next(1, 10));
                Add(at, Entra, "AddMemberToRole", upn, ip, country, device, upn);
            }
        }

        /// <summary>One address trying one or two passwords on many accounts: under every per-user threshold.</summary>
        private void PasswordSpray(string ip, string country, int hoursAgo)
        {
            var at = Around(hoursAgo);
            foreach (var person in People.Where((_, index) => index % 3 != 0))
            {
                var attempts = _random.Next(1, 3);
                for (var i = 0; i < attempts; i++)
                {
                    at += TimeSpan.FromMilliseconds(_random.Next(10_000, 90_000));
                    Add(at, Entra, "LogOnFailed", person.Upn, ip, country, "Unknown · python-requests");
                }
            }
        }

        /// <summary>A scanner in a risky country trying one log-on each on a few accounts.</summary>
        private void RiskyCountryScan(string ip, string country, int hoursAgo)
        {
            var at = Around(hoursAgo);
            for (var i = 0; i < 6; i++)
            {
                at += TimeSpan.FromMinutes(_random.Next(1, 15));
                Add(at, Entra, "LogOnFailed", Pick(People).Upn, ip, country, "Unknown · curl");
            }
        }

        /// <summary>An employee on a trip to a risky country: real, and still worth a look.</summary>
        private void Traveller(string name, string ip, string country, int hoursAgo)
        {
            var upn = Find(name).Upn;
            var at = Around(hoursAgo);
            for (var i = 0; i < 2; i++)
            {
                at += TimeSpan.FromMinutes(_random.Next(20, 90));
                Add(at, Entra, "LogOn", upn, ip, country, "iOS · Outlook");
                Add(at + TimeSpan.FromSeconds(30), "Microsoft Exchange Online", "SendMail", upn, ip, country, "iOS · Outlook");
            }
        }

        /// <summary>Log-ons through an anonymizing proxy, which looks like an ordinary European address.</summary>
        private void AnonymizedLogOns(string name, int hoursAgo)
        {
            var person = Find(name);
            var upn = person.Upn;
            var at = Around(hoursAgo);
            for (var i = 0; i < 5; i++)
            {
                at += TimeSpan.FromMinutes(_random.Next(5, 30));
                var ip = $"203.0.113.{_random.Next(2, 250)}";
                var country = Pick(ProxyCountries);
                Add(at, Entra, "LogOn", upn, ip, country, person.Device);
                Add(at + TimeSpan.FromSeconds(20), "Microsoft OneDrive for Business", "FileView", upn, ip, country, person.Device, Pick(Files));
            }
        }

        /// <summary>Someone about to leave: downloads everything from home, then shares a few files with a private address.</summary>
        private void Leaver(string name, int hoursAgo)
        {
            var person = Find(name);
            var upn = person.Upn;
            var at = Around(hoursAgo);
            var downloads = _random.Next(120, 160);
            for (var i = 0; i < downloads; i++)
            {
                at += TimeSpan.FromMilliseconds(_random.Next(3_000, 15_000));
                Add(at, "Microsoft OneDrive for Business", "FileDownload", upn, person.HomeIp, person.Country, person.Device, Pick(Files));
            }
            for (var i = 0; i < 6; i++)
            {
                at += TimeSpan.FromMinutes(_random.Next(1, 6));
                Add(at, "Box", "FileShare", upn, person.HomeIp, person.Country, person.Device, Pick(Files), "johanna.lorenz.private@gmail.com");
            }
        }

        /// <summary>A sync client pulling a library down at once: a benign mass download.</summary>
        private void SyncClient(string name, int hoursAgo)
        {
            var person = Find(name);
            var upn = person.Upn;
            var at = Around(hoursAgo);
            for (var i = 0; i < 35; i++)
            {
                at += TimeSpan.FromMilliseconds(_random.Next(500, 4_000));
                Add(at, "Microsoft OneDrive for Business", "FileDownload", upn, Offices[person.Office].Ip, person.Country, "Windows 11 · OneDrive sync", Pick(Files));
            }
        }

        private void Add(DateTimeOffset at, string app, string type, string user, string ip, string country, string device,
            string? objectName = null, string? targetUser = null)
        {
            if (at > _now)
                throw new InvalidOperationException($"Demo activity {type} of {user} would be {at - _now} in the future.");
            _activities.Add(new DemoActivity(at, app, type, user, ip, country, device, objectName, targetUser));
        }

        /// <summary>A moment in the last 24 hours.</summary>
        private DateTimeOffset AnyTime() => _now - TimeSpan.FromMilliseconds(_random.NextInt64(1, (long)TimeSpan.FromDays(1).TotalMilliseconds));

        /// <summary>A moment within half an hour of <paramref name="hours"/> ago.</summary>
        private DateTimeOffset Around(int hours) => _now - TimeSpan.FromHours(hours) + TimeSpan.FromMilliseconds(_random.Next(-1_800_000, 1_800_000));

        private T Pick<T>(IReadOnlyList<T> items) => items[_random.Next(items.Count)];

        private (string App, string Type, int Weight) PickWeighted((string App, string Type, int Weight)[] items)
        {
            var roll = _random.Next(items.Sum(i => i.Weight));
            foreach (var item in items)
            {
                if (roll < item.Weight)
                    return item;
                roll -= item.Weight;
            }
            return items[^1];
        }

        private static Person Find(string name) => People.Single(p => p.Upn == $"{name}@{Domain}");

        private static Person[] MakePeople()
        {
            (string Name, int Office)[] staff =
            [
                ("adele.vance", 0), ("alex.wilber", 0), ("megan.bowen", 0), ("nestor.wilke", 0), ("lee.gu", 0), ("lidia.holloway", 0),
                ("miriam.graham", 0), ("patti.fernandez", 0), ("grady.archie", 0), ("isaiah.langer", 0), ("joni.sherman", 0),
                ("diego.siciliani", 0), ("allan.deyoung", 0), ("lynne.robbins", 1), ("christie.cline", 1), ("irvin.sayers", 1),
                ("debra.berger", 1), ("henrietta.mueller", 2), ("johanna.lorenz", 2), ("enrico.cattaneo", 2), ("pradeep.gupta", 3),
                ("emma.dekker", 3), ("sanne.visser", 3), ("bram.jansen", 3),
            ];
            return staff.Select((s, i) => new Person(
                $"{s.Name}@{Domain}",
                s.Office,
                // Home broadband: IPv4 from the benchmarking range, every third person on IPv6.
                i % 3 == 2 ? $"2001:db8:{0x100 + i:x}::{i + 7:x}" : $"198.18.{i + 1}.{(i * 37 % 250) + 2}",
                Devices[i % Devices.Length],
                LegacyMail: s.Name is "miriam.graham" or "enrico.cattaneo")).ToArray();
        }
    }
}
