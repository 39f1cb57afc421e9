namespace AdminPortal.Core.Data;

/// <summary>
/// This process's busy SQLite writers (ingest batches, the dispatcher's claims and outcomes) take turns here, in
/// arrival order and without blocking a thread. Left to SQLite, a waiting writer blocks its thread in the busy
/// handler and sleeps in growing steps, so a writer that commits back to back starves the others, and the
/// blocked threads starve the thread pool.
/// </summary>
public sealed class SqliteWriteGate
{
    private readonly SemaphoreSlim _turn = new(1, 1);

    public async Task<Turn> EnterAsync(CancellationToken cancellationToken = default)
    {
        await _turn.WaitAsync(cancellationToken);
        return new Turn(_turn);
    }

    /// <summary>Ends the turn when disposed; <c>default</c> is no turn (not SQLite).</summary>
    public readonly struct Turn(SemaphoreSlim? turn) : IDisposable
    {
        public void Dispose() => turn?.Release();
    }
}
