using System.Text;
using System.Text.Json;
using AdminPortal.Core.Features.Alerts;
using AdminPortal.Core.Features.Policies;

namespace AdminPortal.Benchmarks;

/// <summary>A repeatable synthetic tenant: users, apps, activity mix and 100 policies in the shapes of the built-in templates.</summary>
public static class Workload
{
    public static readonly string[] ActivityTypes = ["FileDownload", "FileDownload", "FileDownload", "LogOn", "LogOn", "LogOnFailed", "FileShare", "FileUpload", "AdminChange", "MailboxAccess"];
    public static readonly string[] Apps = ["SharePoint", "OneDrive", "Exchange", "Teams", "Salesforce", "Box", "GitHub", "Slack"];
    public static readonly string[] Countries = ["NL", "US", "DE", "GB", "FR", "IN", "BR", "JP", "CA", "ES"];
    public static readonly string[] RiskyCountries = ["KP", "IR", "SY", "CU"];

    public static string User(int n) => $"user{n % 2000:D4}@contoso.com";

    /// <summary>JSON arrays of activities, as a connector would POST them.</summary>
    public static List<byte[]> ActivityBatches(int count, int batchSize, DateTimeOffset start)
    {
        var random = new Random(42);
        var batches = new List<byte[]>();
        for (var offset = 0; offset < count; offset += batchSize)
        {
            var items = new List<object>();
            for (var i = offset; i < Math.Min(count, offset + batchSize); i++)
            {
                // Every 5,000 activities one user downloads 60 files in a few seconds: a mass download to catch.
                var burst = i % 5_000 < 60;
                var type = burst ? "FileDownload" : ActivityTypes[random.Next(ActivityTypes.Length)];
                items.Add(new
                {
                    timestamp = start.AddMilliseconds(i * 50).ToUnixTimeMilliseconds(),
                    app = burst ? "SharePoint" : Apps[random.Next(Apps.Length)],
                    activityType = type,
                    user = burst ? $"burst{i / 5_000}@contoso.com" : User(random.Next(2000)),
                    ipAddress = $"{random.Next(1, 224)}.{random.Next(256)}.{random.Next(256)}.{random.Next(1, 255)}",
                    // 1 in 200 activities comes from a country on the risky list.
                    country = random.Next(200) == 0 ? RiskyCountries[random.Next(RiskyCountries.Length)] : Countries[random.Next(Countries.Length)],
                    device = random.Next(3) == 0 ? "Windows 11" : "iPhone",
                    objectName = type.StartsWith("File") ? $"report-{random.Next(10_000)}.xlsx" : null,
                    objectId = type.StartsWith("File") ? $"file-{random.Next(100_000)}" : null,
                    // 1 in 50 shares goes outside the organization.
                    targetUser = type == "FileShare" ? (random.Next(50) == 0 ? "partner@fabrikam.com" : User(random.Next(2000))) : null,
                    sourceSystem = "benchmark",
                });
            }
            batches.Add(JsonSerializer.SerializeToUtf8Bytes(items));
        }
        return batches;
    }

    /// <summary>
    /// 100 policies: 20 variants of each template, each scoped to one app as tenants scope policies, with
    /// different thresholds and ranges. Daily limits are raised to 1,000 so alerts are really written.
    /// </summary>
    public static IEnumerable<PolicyDraft> Policies()
    {
        for (var variant = 0; variant < 20; variant++)
        {
            foreach (var template in PolicyTemplates.All)
            {
                var draft = PolicyTemplates.DraftFrom(template, "admin@contoso.com");
                draft.Name = $"{draft.Name} #{variant}";
                draft.AlertSettings.DailyAlertLimit = 1000;
                if (draft.UseThreshold)
                    draft.ThresholdCount += variant;
                draft.Conditions.Add(new ConditionDraft { Field = ActivityFields.App, Operator = ConditionOperator.Equals, Values = [Apps[variant % Apps.Length]] });
                if (template.Id == "risky-ip")
                    draft.Conditions[0].Values = [$"{10 + variant}.{variant}.0.0/16", "198.51.100.0/24"];
                yield return draft;
            }
        }
    }

    public static AlertSeverity Severity(int n) => (AlertSeverity)(n % 4);

    public static string Describe(IReadOnlyList<double> millis)
    {
        var sorted = millis.Order().ToList();
        double At(double q) => sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(q * sorted.Count) - 1)];
        return $"p50 {At(0.50):F1} ms, p95 {At(0.95):F1} ms, max {sorted[^1]:F1} ms";
    }

    public static double P99(IReadOnlyList<double> millis)
    {
        var sorted = millis.Order().ToList();
        return sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(0.99 * sorted.Count) - 1)];
    }

    public static double P95(IReadOnlyList<double> millis)
    {
        var sorted = millis.Order().ToList();
        return sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(0.95 * sorted.Count) - 1)];
    }

    public static string Bytes(long bytes) => bytes >= 1 << 20 ? $"{bytes / (1 << 20)} MiB" : new StringBuilder().Append(bytes / 1024).Append(" KiB").ToString();
}
