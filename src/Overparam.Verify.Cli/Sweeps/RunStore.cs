using System.Globalization;
using Microsoft.Data.Sqlite;
using Overparam.Verify.Engine;

namespace Overparam.Verify.Cli.Sweeps;

/// <summary>A sweep recorded in a store: its key, kind and canonical parameter JSON.</summary>
/// <param name="Key">The sweep key (hash of the parameters).</param>
/// <param name="Kind">The theorem whose trial the sweep runs, e.g. "P4".</param>
/// <param name="Parameters">Canonical JSON of the trial-defining parameters.</param>
public sealed record StoredSweep(string Key, string Kind, string Parameters);

/// <summary>
/// The run store: one SQLite file holding sweeps and every trial with its seed, parameters, verdict and metrics.
/// <code>
/// sweeps(sweep_key PRIMARY KEY, theorem, parameters JSON, created_at)
/// runs(id, sweep_key, cell JSON of axis values, trial, seed, status, success, metrics JSON, wall_seconds, created_at,
///      UNIQUE(sweep_key, cell, trial))
/// </code>
/// The metrics are named by the theorem's trial (e.g. final-loss, steps, lambda-min-init, theory-ratio), so a report
/// can tabulate or plot any of them over the grid.
/// Each trial is written in its own transaction, so a process killed at any moment leaves every finished trial
/// stored once and no partial row; resuming skips the keys present. The database uses SQLite's rollback journal
/// (not WAL), which also works on the network file systems of clusters. Thread-safe: writes are serialized.
/// </summary>
public sealed class RunStore : IDisposable
{
    /// <summary>Schema version kept in PRAGMA user_version.</summary>
    public const int SchemaVersion = 2;

    private const string ResultColumns = "cell, trial, seed, status, success, metrics, wall_seconds";

    private readonly SqliteConnection _db;
    private readonly object _gate = new();

    private RunStore(string path, SqliteConnection db)
    {
        Path = path;
        _db = db;
    }

    /// <summary>The file path.</summary>
    public string Path { get; }

    /// <summary>
    /// Opens (creating if needed, unless <paramref name="readOnly"/>) the store at <paramref name="path"/>.
    /// </summary>
    /// <exception cref="InvalidInputException">The file is missing (read-only), not SQLite, or not a run store of this version.</exception>
    public static RunStore Open(string path, bool readOnly = false)
    {
        try
        {
            return OpenOnce(path, readOnly);
        }
        catch (InvalidInputException e) when (readOnly && e.InnerException is SqliteException { SqliteErrorCode: 8 })
        {
            // SQLITE_READONLY: a writer was killed mid-commit and left a hot journal, which only a read-write
            // connection may roll back. Rolling back restores the last committed state, as any next open would.
            using (var rw = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadWrite, Pooling = false }.ToString()))
            {
                rw.Open();
                Scalar<long>(rw, "SELECT count(*) FROM sqlite_master;");
            }
            return OpenOnce(path, readOnly);
        }
    }

    private static RunStore OpenOnce(string path, bool readOnly)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (string.IsNullOrWhiteSpace(path)) throw new InvalidInputException("run store: empty path");
        if (Directory.Exists(path)) throw new InvalidInputException($"run store '{path}' is a directory, expected an SQLite file");
        if (readOnly && !File.Exists(path)) throw new InvalidInputException($"run store '{path}' does not exist");
        var dir = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path));
        if (!readOnly && (dir is null || !Directory.Exists(dir)))
            throw new InvalidInputException($"--store: directory does not exist for '{path}'");
        var cs = new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = readOnly ? SqliteOpenMode.ReadOnly : SqliteOpenMode.ReadWriteCreate,
            Pooling = false,   // a pooled connection keeps the file open after Dispose; merges and tests move files
            DefaultTimeout = 60,
        }.ToString();
        var db = new SqliteConnection(cs);
        try
        {
            db.Open();
            Exec(db, "PRAGMA busy_timeout = 60000;");
            if (readOnly)
            {
                CheckSchema(db, path, readOnly);
            }
            else
            {
                // Check and create in one write transaction (Microsoft.Data.Sqlite begins IMMEDIATE): two sweeps
                // started at once on a new store then create it once, the second waiting for the first.
                using var tx = db.BeginTransaction();
                if (CheckSchema(db, path, readOnly, tx)) CreateSchema(db, tx);
                Exec(db, LeaseTable, tx);
                tx.Commit();
            }
            // Garbage in the middle of a file (a bad disk, a torn copy) shows up here rather than as a crash later.
            var check = Scalar<string>(db, "PRAGMA quick_check;");
            if (check != "ok")
                throw new InvalidInputException($"run store '{path}' is damaged (SQLite integrity check: {OneLine(check)}); restore it from a copy or start a new --store");
        }
        catch (SqliteException e)
        {
            db.Dispose();
            throw Damaged(path, e);
        }
        catch
        {
            db.Dispose();
            throw;
        }
        return new RunStore(path, db);
    }

    // True when the file is an empty database (a new store, or a zero-byte file): the writer creates the schema.
    private static bool CheckSchema(SqliteConnection db, string path, bool readOnly, SqliteTransaction? tx = null)
    {
        long version = Scalar<long>(db, "PRAGMA user_version;", tx);
        bool hasTables = Scalar<long>(db, "SELECT count(*) FROM sqlite_master WHERE type = 'table';", tx) > 0;
        if (version == 0 && !hasTables)
        {
            if (readOnly) throw new InvalidInputException($"run store '{path}' is empty (a new or zero-byte file): it holds no sweep");
            return true;
        }
        if (version == 1)
            throw new InvalidInputException(
                $"'{path}' is a run store of schema version 1 (P4-only sweeps, overparam 0.2 and earlier); this version reads schema {SchemaVersion}: report it with the version that wrote it, or start a new --store");
        if (version != SchemaVersion)
            throw new InvalidInputException(
                $"'{path}' is not an overparam run store of schema version {SchemaVersion} (user_version = {version})");
        return false;
    }

    /// <summary>The exception for a store SQLite cannot read: one line naming the file.</summary>
    private static InvalidInputException Damaged(string path, SqliteException e) =>
        e.SqliteErrorCode is 5 or 6
            ? new InvalidInputException($"run store '{path}' is in use by another process (SQLite: {OneLine(e.Message)}); try again when it finishes", e)
            : new InvalidInputException($"run store '{path}' is damaged or not a run store (SQLite: {OneLine(e.Message)}); restore it from a copy or start a new --store", e);

    private static string OneLine(string s) => string.Join(' ', s.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries)).Trim();

    /// <summary>Runs a store operation, turning an SQLite failure (a page damaged after opening) into one line naming the file.</summary>
    private T Guard<T>(Func<T> operation)
    {
        try
        {
            return operation();
        }
        catch (SqliteException e)
        {
            throw Damaged(Path, e);
        }
    }

    private const string LeaseTable = """
        CREATE TABLE IF NOT EXISTS leases(
            lease_key    TEXT PRIMARY KEY,
            owner        TEXT NOT NULL,
            pid          INTEGER NOT NULL,
            host         TEXT NOT NULL,
            started_at   TEXT NOT NULL,
            heartbeat_at TEXT NOT NULL);
        """;

    /// <summary>How long a lease held from another host stays valid without a new trial (its heartbeat).</summary>
    public static readonly TimeSpan LeaseTimeout = TimeSpan.FromMinutes(10);

    private readonly string _owner = Guid.NewGuid().ToString("N");
    private string? _lease;

    /// <summary>
    /// Claims <paramref name="leaseKey"/> (a sweep and shard) for this process until <see cref="Dispose"/>, so that
    /// two processes never run the same trials side by side. A lease whose process has ended (same host) or whose
    /// heartbeat is older than <see cref="LeaseTimeout"/> (another host) is taken over.
    /// </summary>
    /// <param name="leaseKey">What is claimed, e.g. a sweep and shard.</param>
    /// <param name="what">How the holder is described in the refusal.</param>
    /// <param name="overlaps">Other lease keys that cover some of the same work (another sharding of the same sweep);
    /// a live lease on any of them is refused as well.</param>
    /// <exception cref="InvalidInputException">Another live run holds the lease or an overlapping one: "store in use".</exception>
    public void Claim(string leaseKey, string what, Func<string, bool>? overlaps = null)
    {
        ArgumentNullException.ThrowIfNull(leaseKey);
        lock (_gate)
        {
            Guard(() =>
            {
                using var tx = _db.BeginTransaction();
                using (var q = _db.CreateCommand())
                {
                    q.Transaction = tx;
                    q.CommandText = "SELECT lease_key, owner, pid, host, started_at, heartbeat_at FROM leases;";
                    using var r = q.ExecuteReader();
                    while (r.Read())
                    {
                        string key = r.GetString(0);
                        if (key != leaseKey && overlaps?.Invoke(key) != true) continue;
                        if (r.GetString(1) != _owner && Alive(r.GetInt32(2), r.GetString(3), r.GetString(4), r.GetString(5)))
                            throw new InvalidInputException(
                                $"store in use: {Path} is running {(key == leaseKey ? what : $"{key}, which overlaps {what}")} in process {r.GetInt32(2)} on {r.GetString(3)} (since {r.GetString(4)}, last trial {r.GetString(5)}); wait for it, or use another --store");
                    }
                }
                using (var up = _db.CreateCommand())
                {
                    up.Transaction = tx;
                    up.CommandText = """
                        INSERT INTO leases(lease_key, owner, pid, host, started_at, heartbeat_at) VALUES($k, $o, $p, $h, $t, $t)
                        ON CONFLICT(lease_key) DO UPDATE SET owner = $o, pid = $p, host = $h, started_at = $t, heartbeat_at = $t;
                        """;
                    up.Parameters.AddWithValue("$k", leaseKey);
                    up.Parameters.AddWithValue("$o", _owner);
                    up.Parameters.AddWithValue("$p", Environment.ProcessId);
                    up.Parameters.AddWithValue("$h", Environment.MachineName);
                    up.Parameters.AddWithValue("$t", Now());
                    up.ExecuteNonQuery();
                }
                tx.Commit();
                return 0;
            });
            _lease = leaseKey;
            // Trials can outlast the lease timeout (a large cell on a slow node): beat independently of them.
            _beat ??= new Timer(_ => BeatNow(), null, LeaseTimeout / 5, LeaseTimeout / 5);
        }
    }

    private Timer? _beat;

    private void BeatNow()
    {
        lock (_gate)
        {
            if (_lease is null) return;
            try
            {
                using var tx = _db.BeginTransaction();
                Heartbeat(tx);
                tx.Commit();
            }
            catch (SqliteException)
            {
                // A busy or read-only store misses one beat; the next trial's insert beats too.
            }
            catch (ObjectDisposedException)
            {
            }
        }
    }

    /// <summary>"process P on H (sweep K)" for a live lease on this store; null when none is held.</summary>
    private string? LiveHolder() => Guard(() =>
    {
        lock (_gate)
        {
            if (Scalar<long>(_db, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'leases';") == 0) return null;
            using var q = _db.CreateCommand();
            q.CommandText = "SELECT lease_key, pid, host, started_at, heartbeat_at FROM leases;";
            using var r = q.ExecuteReader();
            while (r.Read())
                if (Alive(r.GetInt32(1), r.GetString(2), r.GetString(3), r.GetString(4)))
                    return $"process {r.GetInt32(1)} on {r.GetString(2)} (sweep {r.GetString(0)})";
            return (string?)null;
        }
    });

    // How much later than the lease a holder's process may seem to have started: /proc gives the start in clock ticks
    // since boot, and converting that to wall time can be off by a little.
    private static readonly TimeSpan StartClockSlack = TimeSpan.FromSeconds(2);

    private static bool Alive(int pid, string host, string startedAt, string heartbeat)
    {
        if (host == Environment.MachineName)
        {
            if (pid == Environment.ProcessId)
            {
                using var self = System.Diagnostics.Process.GetCurrentProcess();
                return StartedBefore(self, startedAt);
            }
            try
            {
                using var p = System.Diagnostics.Process.GetProcessById(pid);
                // A process that started after the lease was taken only reuses the PID of the holder, which was killed.
                return !p.HasExited && StartedBefore(p, startedAt);
            }
            catch (ArgumentException)
            {
                return false; // no such process: its run ended without releasing the lease (killed)
            }
            catch (InvalidOperationException)
            {
                return false; // it exited while we looked
            }
        }
        return Utc(heartbeat) is DateTime at && DateTime.UtcNow - at < LeaseTimeout;
    }

    private static bool StartedBefore(System.Diagnostics.Process p, string startedAt)
    {
        if (Utc(startedAt) is not DateTime leaseStart) return true;   // unreadable: keep the lease (the safe side)
        try
        {
            return p.StartTime.ToUniversalTime() <= leaseStart + StartClockSlack;
        }
        catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception or NotSupportedException)
        {
            return true;   // start time unknown here: only the PID can tell, as before
        }
    }

    private static DateTime? Utc(string stamp) =>
        DateTime.TryParse(stamp, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var at)
            ? at : null;

    private void Heartbeat(SqliteTransaction tx)
    {
        if (_lease is null) return;
        using var cmd = _db.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = "UPDATE leases SET heartbeat_at = $t WHERE lease_key = $k AND owner = $o;";
        cmd.Parameters.AddWithValue("$t", Now());
        cmd.Parameters.AddWithValue("$k", _lease);
        cmd.Parameters.AddWithValue("$o", _owner);
        cmd.ExecuteNonQuery();
    }

    private void Release()
    {
        if (_lease is null) return;
        try
        {
            using var cmd = _db.CreateCommand();
            cmd.CommandText = "DELETE FROM leases WHERE lease_key = $k AND owner = $o;";
            cmd.Parameters.AddWithValue("$k", _lease);
            cmd.Parameters.AddWithValue("$o", _owner);
            cmd.ExecuteNonQuery();
        }
        catch (SqliteException)
        {
            // A lease that cannot be deleted is taken over once this process has ended.
        }
        _lease = null;
    }

    private static void CreateSchema(SqliteConnection db, SqliteTransaction tx)
    {
        Exec(db, """
            CREATE TABLE sweeps(
                sweep_key  TEXT PRIMARY KEY,
                theorem    TEXT NOT NULL,
                parameters TEXT NOT NULL,
                created_at TEXT NOT NULL);
            CREATE TABLE runs(
                id            INTEGER PRIMARY KEY AUTOINCREMENT,
                sweep_key     TEXT    NOT NULL REFERENCES sweeps(sweep_key),
                cell          TEXT    NOT NULL,
                trial         INTEGER NOT NULL,
                seed          TEXT    NOT NULL,
                status        TEXT    NOT NULL,
                success       INTEGER NOT NULL,
                metrics       TEXT    NOT NULL,
                wall_seconds  REAL,
                created_at    TEXT    NOT NULL,
                UNIQUE(sweep_key, cell, trial));
            """, tx);
        Exec(db, $"PRAGMA user_version = {SchemaVersion};", tx);
    }

    /// <summary>All sweeps in the store, by key.</summary>
    public IReadOnlyList<StoredSweep> Sweeps() => Guard(SweepsCore);

    private IReadOnlyList<StoredSweep> SweepsCore()
    {
        lock (_gate)
        {
            using var cmd = _db.CreateCommand();
            cmd.CommandText = "SELECT sweep_key, theorem, parameters FROM sweeps ORDER BY sweep_key;";
            using var r = cmd.ExecuteReader();
            var list = new List<StoredSweep>();
            while (r.Read()) list.Add(new StoredSweep(r.GetString(0), r.GetString(1), r.GetString(2)));
            return list;
        }
    }

    /// <summary>
    /// Records the sweep if absent. A present key with different parameters (an FNV collision, or a store edited by
    /// hand) is refused.
    /// </summary>
    /// <exception cref="InvalidInputException">Same key, different parameters.</exception>
    public void EnsureSweep(string key, string kind, string parameters) => Guard(() =>
    {
        lock (_gate)
        {
            using var tx = _db.BeginTransaction();
            EnsureSweep(key, kind, parameters, tx);
            tx.Commit();
        }
        return 0;
    });

    private void EnsureSweep(string key, string kind, string parameters, SqliteTransaction tx)
    {
        using var cmd = _db.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = "SELECT parameters FROM sweeps WHERE sweep_key = $k;";
        cmd.Parameters.AddWithValue("$k", key);
        if (cmd.ExecuteScalar() is string existing)
        {
            if (existing != parameters)
                throw new InvalidInputException($"{Path}: sweep {key} is stored with different parameters: {existing}");
            return;
        }
        using var ins = _db.CreateCommand();
        ins.Transaction = tx;
        ins.CommandText = "INSERT INTO sweeps(sweep_key, theorem, parameters, created_at) VALUES($k, $kind, $p, $t);";
        ins.Parameters.AddWithValue("$k", key);
        ins.Parameters.AddWithValue("$kind", kind);
        ins.Parameters.AddWithValue("$p", parameters);
        ins.Parameters.AddWithValue("$t", Now());
        ins.ExecuteNonQuery();
    }

    /// <summary>The (cell, trial) keys stored for sweep <paramref name="key"/>.</summary>
    public HashSet<TrialKey> CompletedTrials(string key) => Guard(() => CompletedTrialsCore(key));

    private HashSet<TrialKey> CompletedTrialsCore(string key)
    {
        lock (_gate)
        {
            using var cmd = _db.CreateCommand();
            cmd.CommandText = "SELECT cell, trial FROM runs WHERE sweep_key = $k;";
            cmd.Parameters.AddWithValue("$k", key);
            using var r = cmd.ExecuteReader();
            var set = new HashSet<TrialKey>();
            while (r.Read()) set.Add(new TrialKey(Cell.Parse(r.GetString(0)), r.GetInt32(1)));
            return set;
        }
    }

    /// <summary>Number of trials stored for sweep <paramref name="key"/> (all sweeps when null).</summary>
    public long Count(string? key = null) => Guard(() => CountCore(key));

    private long CountCore(string? key)
    {
        lock (_gate)
        {
            using var cmd = _db.CreateCommand();
            cmd.CommandText = key is null ? "SELECT count(*) FROM runs;" : "SELECT count(*) FROM runs WHERE sweep_key = $k;";
            if (key is not null) cmd.Parameters.AddWithValue("$k", key);
            return (long)cmd.ExecuteScalar()!;
        }
    }

    /// <summary>
    /// Stores one trial in its own transaction. Returns false when the key was already present with the same
    /// outcome (nothing written).
    /// </summary>
    /// <exception cref="InvalidInputException">The key is present with a different outcome.</exception>
    public bool Insert(string sweepKey, TrialResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        return Guard(() =>
        {
            lock (_gate)
            {
                using var tx = _db.BeginTransaction();
                bool written = InsertRow(sweepKey, result, Now(), tx);
                Heartbeat(tx);
                tx.Commit();
                return written;
            }
        });
    }

    private bool InsertRow(string sweepKey, TrialResult t, string createdAt, SqliteTransaction tx)
    {
        using var cmd = _db.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = """
            INSERT INTO runs(sweep_key, cell, trial, seed, status, success, metrics, wall_seconds, created_at)
            VALUES($s, $cell, $t, $seed, $st, $ok, $m, $wall, $at)
            ON CONFLICT(sweep_key, cell, trial) DO NOTHING;
            """;
        cmd.Parameters.AddWithValue("$s", sweepKey);
        cmd.Parameters.AddWithValue("$cell", t.Key.Cell.Json);
        cmd.Parameters.AddWithValue("$t", t.Key.Trial);
        cmd.Parameters.AddWithValue("$seed", t.Seed.ToString(CultureInfo.InvariantCulture));
        cmd.Parameters.AddWithValue("$st", t.Status);
        cmd.Parameters.AddWithValue("$ok", t.Success ? 1 : 0);
        cmd.Parameters.AddWithValue("$m", t.MetricsJson);
        cmd.Parameters.AddWithValue("$wall", Real(t.WallSeconds));
        cmd.Parameters.AddWithValue("$at", createdAt);
        if (cmd.ExecuteNonQuery() == 1) return true;

        var existing = ReadResults(sweepKey, tx, t.Key).Single();
        if (!existing.SameOutcome(t))
            throw new InvalidInputException(
                $"{Path}: conflicting results for sweep {sweepKey}, {t.Key.Cell}, trial {t.Key.Trial}: " +
                $"stored {Describe(existing)}, new {Describe(t)}");
        return false;
    }

    /// <summary>All trials of sweep <paramref name="key"/>, ordered by (cell JSON, trial).</summary>
    public List<TrialResult> Results(string key) => Guard(() =>
    {
        lock (_gate) return ReadResults(key, null, null);
    });

    private List<TrialResult> ReadResults(string key, SqliteTransaction? tx, TrialKey? only)
    {
        using var cmd = _db.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = $"SELECT {ResultColumns} FROM runs WHERE sweep_key = $k"
            + (only is null ? "" : " AND cell = $cell AND trial = $t")
            + " ORDER BY cell, trial;";
        cmd.Parameters.AddWithValue("$k", key);
        if (only is { } o)
        {
            cmd.Parameters.AddWithValue("$cell", o.Cell.Json);
            cmd.Parameters.AddWithValue("$t", o.Trial);
        }
        using var r = cmd.ExecuteReader();
        var list = new List<TrialResult>();
        while (r.Read())
        {
            list.Add(new TrialResult(
                new TrialKey(Cell.Parse(r.GetString(0)), r.GetInt32(1)),
                ulong.Parse(r.GetString(2), CultureInfo.InvariantCulture),
                r.GetString(3),
                r.GetInt64(4) != 0,
                r.GetString(5),
                Double(r, 6)));
        }
        return list;
    }

    /// <summary>
    /// Unions the stores <paramref name="inputs"/> into <paramref name="output"/> (which may exist; its rows are kept).
    /// The same sweep and trial key in two inputs must carry the same outcome (seed, status, success and every metric,
    /// bit for bit; wall time and creation time may differ) or the merge fails and
    /// <paramref name="output"/> is left untouched: the union is built in a temporary file renamed at the end.
    /// Returns the number of rows added.
    /// </summary>
    /// <exception cref="InvalidInputException">An input is missing or not a store, or two inputs conflict.</exception>
    public static long Merge(IReadOnlyList<string> inputs, string output)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(output);
        if (string.IsNullOrWhiteSpace(output)) throw new InvalidInputException("--out: empty path");
        var outFull = System.IO.Path.GetFullPath(output);
        var dir = System.IO.Path.GetDirectoryName(outFull);
        if (dir is null || !Directory.Exists(dir)) throw new InvalidInputException($"--out: directory does not exist for '{output}'");
        if (Directory.Exists(outFull)) throw new InvalidInputException($"--out: '{output}' is a directory, expected a run store file");
        foreach (var i in inputs)
        {
            if (Directory.Exists(i)) throw new InvalidInputException($"run store '{i}' is a directory, expected an SQLite file");
            if (!File.Exists(i)) throw new InvalidInputException($"run store '{i}' does not exist");
        }
        // An existing output is extended; check it under its own name, not the temporary copy's.
        if (File.Exists(outFull))
        {
            string? holder;
            try
            {
                using var existing = Open(output, readOnly: true);
                holder = existing.LiveHolder();
            }
            catch (InvalidInputException e)
            {
                throw new InvalidInputException($"merge failed, '{output}' unchanged: --out exists but {e.Message}", e);
            }
            // Replacing the file under a running sweep would send its next trials to the unlinked old file.
            if (holder is not null)
                throw new InvalidInputException($"store in use: '{output}' is being written by {holder}; merge into it when that sweep has finished");
        }
        var tmp = outFull + $".tmp-{Environment.ProcessId}";
        long added = 0;
        try
        {
            if (File.Exists(outFull)) File.Copy(outFull, tmp, overwrite: true);
            else if (File.Exists(tmp)) File.Delete(tmp);
            using (var target = Open(tmp))
            {
                foreach (var input in inputs)
                {
                    using var source = Open(input, readOnly: true);
                    var sweeps = source.Sweeps();
                    lock (target._gate)
                    {
                        using var tx = target._db.BeginTransaction();
                        foreach (var s in sweeps)
                        {
                            target.EnsureSweep(s.Key, s.Kind, s.Parameters, tx);
                            foreach (var row in source.RawRows(s.Key))
                                if (target.InsertRow(s.Key, row.Result, row.CreatedAt, tx)) added++;
                        }
                        tx.Commit();
                    }
                }
            }
            File.Move(tmp, outFull, overwrite: true);
        }
        catch (InvalidInputException e)
        {
            TryDelete(tmp);
            throw new InvalidInputException($"merge failed, '{output}' unchanged: {e.Message.Replace(tmp, outFull, StringComparison.Ordinal)}", e);
        }
        catch (SqliteException e)
        {
            TryDelete(tmp);
            throw new InvalidInputException($"merge failed, '{output}' unchanged: a store is damaged (SQLite: {OneLine(e.Message)})", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            TryDelete(tmp);
            throw new InvalidInputException($"merge failed, '{output}' unchanged: cannot write it: {e.Message.Replace(tmp, outFull, StringComparison.Ordinal)}", e);
        }
        catch
        {
            TryDelete(tmp);
            throw;
        }
        return added;
    }

    private List<(string CreatedAt, TrialResult Result)> RawRows(string key)
    {
        lock (_gate)
        {
            using var cmd = _db.CreateCommand();
            cmd.CommandText = "SELECT created_at FROM runs WHERE sweep_key = $k ORDER BY cell, trial;";
            cmd.Parameters.AddWithValue("$k", key);
            var created = new List<string>();
            using (var r = cmd.ExecuteReader())
                while (r.Read()) created.Add(r.GetString(0));
            var results = ReadResults(key, null, null);
            return created.Zip(results, (c, t) => (c, t)).ToList();
        }
    }

    /// <summary>Releases this process's lease, if any, and closes the file.</summary>
    public void Dispose()
    {
        _beat?.Dispose();
        lock (_gate) Release();
        _db.Dispose();
    }

    private static string Describe(TrialResult t) => string.Create(CultureInfo.InvariantCulture,
        $"(seed {t.Seed}, {t.Status}, success {t.Success}, {t.MetricsJson})");

    private static object Real(double v) => double.IsNaN(v) ? DBNull.Value : v;

    private static double Double(SqliteDataReader r, int i) => r.IsDBNull(i) ? double.NaN : r.GetDouble(i);

    private static string Now() => DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture);

    private static void Exec(SqliteConnection db, string sql, SqliteTransaction? tx = null)
    {
        using var cmd = db.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }

    private static T Scalar<T>(SqliteConnection db, string sql, SqliteTransaction? tx = null)
    {
        using var cmd = db.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = sql;
        return (T)Convert.ChangeType(cmd.ExecuteScalar()!, typeof(T), CultureInfo.InvariantCulture);
    }

    private static void TryDelete(string path)
    {
        try { File.Delete(path); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}
