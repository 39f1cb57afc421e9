using System.Collections.Concurrent;
using AdminPortal.Core.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace AdminPortal.Core.Features.Policies;

/// <summary>
/// The enabled policies, compiled once per change. Each batch asks the database only for (id, version)
/// pairs, so a policy changed on another instance is recompiled here too, and nothing is re-parsed per event.
/// </summary>
public sealed class PolicyCatalog(ILogger<PolicyCatalog> logger)
{
    private readonly ConcurrentDictionary<string, CompiledPolicy> _compiled = new();

    public async Task<IReadOnlyList<CompiledPolicy>> EnabledAsync(PortalDbContext db, CancellationToken cancellationToken)
    {
        var current = await db.Policies.AsNoTracking()
            .Where(p => p.IsEnabled && p.DeletedAt == null)
            .Select(p => new { p.Id, p.Version })
            .ToListAsync(cancellationToken);

        var stale = current.Where(p => !_compiled.TryGetValue(p.Id, out var known) || known.Version != p.Version).Select(p => p.Id).ToList();
        if (stale.Count > 0)
        {
            var policies = await db.Policies.AsNoTracking().Include(p => p.Playbooks)
                .Where(p => stale.Contains(p.Id)).ToListAsync(cancellationToken);
            foreach (var policy in policies)
            {
                try
                {
                    _compiled[policy.Id] = CompiledPolicy.Compile(policy);
                }
                catch (Exception e) when (e is ArgumentException or FormatException)
                {
                    // Only a row written around the validator (by hand in the database) gets here: skip it, say so.
                    logger.LogError("Policy {PolicyId} cannot be compiled and is skipped: {Reason}", policy.Id, e.Message);
                }
            }
        }

        var ids = current.Select(p => p.Id).ToHashSet();
        foreach (var id in _compiled.Keys.Where(id => !ids.Contains(id)))
            _compiled.TryRemove(id, out _);

        return current.Select(p => _compiled.GetValueOrDefault(p.Id)).OfType<CompiledPolicy>()
            .Where(p => ids.Contains(p.Id)).OrderBy(p => p.Id, StringComparer.Ordinal).ToList();
    }
}
