using AdminPortal.Core.Features.Activities;

namespace AdminPortal.Core.Features.Policies;

/// <summary>The activity fields a policy condition can test, by their JSON names.</summary>
public static class ActivityFields
{
    public const string App = "app";
    public const string ActivityType = "activityType";
    public const string User = "user";
    public const string IpAddress = "ipAddress";
    public const string Country = "country";
    public const string Device = "device";
    public const string ObjectName = "objectName";
    public const string ObjectId = "objectId";
    public const string TargetUser = "targetUser";

    public static readonly IReadOnlyList<string> All = [App, ActivityType, User, IpAddress, Country, Device, ObjectName, ObjectId, TargetUser];

    public static string DisplayName(string field) => field switch
    {
        App => "App",
        ActivityType => "Activity type",
        User => "User",
        IpAddress => "IP address",
        Country => "Country",
        Device => "Device",
        ObjectName => "Object name",
        ObjectId => "Object id",
        TargetUser => "Target user",
        _ => field,
    };

    /// <summary>Reads a field; null when the activity has no value for it.</summary>
    public static Func<Activity, string?>? Reader(string field) => field switch
    {
        App => a => a.App,
        ActivityType => a => a.ActivityType,
        User => a => a.User,
        IpAddress => a => a.IpAddress,
        Country => a => a.Country,
        Device => a => a.Device,
        ObjectName => a => a.ObjectName,
        ObjectId => a => a.ObjectId,
        TargetUser => a => a.TargetUser,
        _ => null,
    };

    /// <summary>IP in CIDR range is only meaningful on the IP address.</summary>
    public static IReadOnlyList<ConditionOperator> OperatorsFor(string field) => field == IpAddress
        ? Enum.GetValues<ConditionOperator>()
        : Enum.GetValues<ConditionOperator>().Where(op => op != ConditionOperator.IpInRange).ToArray();

    public static string DisplayName(ConditionOperator op) => op switch
    {
        ConditionOperator.Equals => "equals",
        ConditionOperator.NotEquals => "does not equal",
        ConditionOperator.InList => "is in list",
        ConditionOperator.Contains => "contains",
        ConditionOperator.StartsWith => "starts with",
        ConditionOperator.EndsWith => "ends with",
        ConditionOperator.DoesNotEndWith => "does not end with",
        ConditionOperator.IpInRange => "is in IP range (CIDR)",
        _ => op.ToString(),
    };
}
