using System.Diagnostics;
using System.Text;
using AdminPortal.Core.Features.Dispatch;
using AdminPortal.Core.Features.Playbooks;

namespace AdminPortal.UnitTests.Dispatch;

public sealed class WebhookSignerTests
{
    // The Standard Webhooks specification's own example.
    private const string SpecSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    private const string SpecId = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    private const long SpecTimestamp = 1614265330;
    private const string SpecBody = """{"test": 2432232314}""";
    private const string SpecSignature = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

    [Fact]
    public void Sign_TheSpecificationExample_GivesItsPublishedSignature() =>
        Assert.Equal(SpecSignature, WebhookSigner.Sign(SpecId, SpecTimestamp, SpecBody, [SpecSecret]));

    [Fact]
    public void Sign_WithASecretMissingItsPrefix_ReadsItTheSameWay() =>
        Assert.Equal(SpecSignature, WebhookSigner.Sign(SpecId, SpecTimestamp, SpecBody, [SpecSecret["whsec_".Length..]]));

    [Fact]
    public void Sign_WithTwoSecrets_GivesTwoSignaturesInSecretOrder()
    {
        var other = PlaybookSecrets.NewSigningSecret();

        var header = WebhookSigner.Sign(SpecId, SpecTimestamp, SpecBody, [SpecSecret, other]);

        var entries = header.Split(' ');
        Assert.Equal(2, entries.Length);
        Assert.Equal(SpecSignature, entries[0]);
        Assert.Equal(WebhookSigner.Sign(SpecId, SpecTimestamp, SpecBody, [other]), entries[1]);
        Assert.True(WebhookSigner.Verify(SpecId, SpecTimestamp, SpecBody, header, SpecSecret, SpecTimestamp));
        Assert.True(WebhookSigner.Verify(SpecId, SpecTimestamp, SpecBody, header, other, SpecTimestamp));
    }

    [Fact]
    public void Sign_WithoutSecrets_IsRefused() =>
        Assert.Throws<ArgumentException>(() => WebhookSigner.Sign(SpecId, SpecTimestamp, SpecBody, []));

    [Fact]
    public void Sign_WithASecretThatIsNotBase64_IsRefused() =>
        Assert.Throws<ArgumentException>(() => WebhookSigner.Sign(SpecId, SpecTimestamp, SpecBody, ["whsec_not base64!"]));

    [Fact]
    public void Verify_TheSpecificationExample_Accepts() =>
        Assert.True(WebhookSigner.Verify(SpecId, SpecTimestamp, SpecBody, SpecSignature, SpecSecret, SpecTimestamp + 10));

    [Fact]
    public void Verify_ATamperedBody_Rejects() =>
        Assert.False(WebhookSigner.Verify(SpecId, SpecTimestamp, """{"test": 2432232315}""", SpecSignature, SpecSecret, SpecTimestamp));

    [Fact]
    public void Verify_AnotherWebhookId_Rejects() =>
        Assert.False(WebhookSigner.Verify("msg_other", SpecTimestamp, SpecBody, SpecSignature, SpecSecret, SpecTimestamp));

    [Fact]
    public void Verify_WithTheWrongSecret_Rejects() =>
        Assert.False(WebhookSigner.Verify(SpecId, SpecTimestamp, SpecBody, SpecSignature, PlaybookSecrets.NewSigningSecret(), SpecTimestamp));

    [Theory]
    [InlineData(-301)]
    [InlineData(301)]
    public void Verify_ATimestampBeyondTheTolerance_Rejects(long offset) =>
        Assert.False(WebhookSigner.Verify(SpecId, SpecTimestamp, SpecBody, SpecSignature, SpecSecret, SpecTimestamp - offset));

    [Theory]
    [InlineData(-300)]
    [InlineData(300)]
    public void Verify_ATimestampAtTheToleranceEdge_Accepts(long offset) =>
        Assert.True(WebhookSigner.Verify(SpecId, SpecTimestamp, SpecBody, SpecSignature, SpecSecret, SpecTimestamp - offset));

    [Fact]
    public void Verify_NearTheEndOfTime_StillComparesTimestampsWithoutOverflow()
    {
        const long late = long.MaxValue - 10;
        var header = WebhookSigner.Sign(SpecId, late, SpecBody, [SpecSecret]);

        Assert.True(WebhookSigner.Verify(SpecId, late, SpecBody, header, SpecSecret, late));
        Assert.False(WebhookSigner.Verify(SpecId, late, SpecBody, header, SpecSecret, long.MinValue));
    }

    [Theory]
    [InlineData("v2,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")]
    [InlineData("g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")]
    [InlineData("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1O")]
    [InlineData("v1,not base64")]
    [InlineData("")]
    public void Verify_AMalformedOrOtherVersionSignature_Rejects(string header) =>
        Assert.False(WebhookSigner.Verify(SpecId, SpecTimestamp, SpecBody, header, SpecSecret, SpecTimestamp));

    [Fact]
    public void Verify_AnyMatchingEntryAmongSeveral_Accepts()
    {
        var header = $"v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA= v1a,xyz {SpecSignature}";

        Assert.True(WebhookSigner.Verify(SpecId, SpecTimestamp, SpecBody, header, SpecSecret, SpecTimestamp));
    }

    [Fact]
    public void Headers_CarryTheIdTheUnixSecondsOfTheAttemptAndTheSignature()
    {
        var attempt = DateTimeOffset.FromUnixTimeSeconds(SpecTimestamp).AddMilliseconds(900).ToOffset(TimeSpan.FromHours(2));

        var headers = WebhookSigner.Headers(SpecId, attempt, SpecBody, [SpecSecret]);

        Assert.Equal(3, headers.Count);
        Assert.Equal(SpecId, headers["webhook-id"]);
        Assert.Equal("1614265330", headers["webhook-timestamp"]);
        Assert.Equal(SpecSignature, headers["webhook-signature"]);
    }

    // The official npm library must accept what we sign: it is what many receivers run.
    [Fact]
    public async Task Sign_IsAcceptedByTheOfficialStandardWebhooksLibrary()
    {
        var secret = PlaybookSecrets.NewSigningSecret();
        // Non-ASCII text checks that both sides sign the same UTF-8 bytes.
        var body = """{"AlertId":"a-1","Title":"Connexion refusée ✓","Severity":"High"}""";
        var headers = WebhookSigner.Headers("del_01JD8Z3", TimeProvider.System.GetUtcNow(), body, [secret]);

        var (exitCode, errors) = await OfficialVerifier.RunAsync(headers, body, secret);

        Assert.True(exitCode == 0, $"The standardwebhooks library rejected our signature: {errors}");
    }

    [Fact]
    public async Task Sign_DuringARotation_IsAcceptedByTheOfficialLibraryWithEitherSecret()
    {
        var (previous, next) = (PlaybookSecrets.NewSigningSecret(), PlaybookSecrets.NewSigningSecret());
        var body = """{"AlertId":"a-2"}""";
        var headers = WebhookSigner.Headers("del_01JD8Z4", TimeProvider.System.GetUtcNow(), body, [previous, next]);

        foreach (var secret in new[] { previous, next })
        {
            var (exitCode, errors) = await OfficialVerifier.RunAsync(headers, body, secret);
            Assert.True(exitCode == 0, $"The standardwebhooks library rejected our signature: {errors}");
        }
    }

    // Shows the verifier can say no, so the two tests above are not passing by default.
    [Fact]
    public async Task OfficialLibrary_RejectsATamperedBody()
    {
        var secret = PlaybookSecrets.NewSigningSecret();
        var headers = WebhookSigner.Headers("del_01JD8Z5", TimeProvider.System.GetUtcNow(), """{"AlertId":"a-3"}""", [secret]);

        var (exitCode, errors) = await OfficialVerifier.RunAsync(headers, """{"AlertId":"a-4"}""", secret);

        Assert.Equal(1, exitCode);
        Assert.Contains("No matching signature", errors);
    }

    /// <summary>Runs <c>Dispatch/verifier/verify.mjs</c> (npm <c>standardwebhooks</c>) with Node.js.</summary>
    private static class OfficialVerifier
    {
        public static async Task<(int ExitCode, string Errors)> RunAsync(IReadOnlyDictionary<string, string> headers, string body, string secret)
        {
            var folder = Folder();
            Assert.True(
                File.Exists(Path.Combine(folder, "node_modules", "standardwebhooks", "package.json")),
                $"The standardwebhooks package is not installed in {folder}: run ./test.sh (or `npm ci --prefix {folder}`).");
            var node = Node();

            var start = new ProcessStartInfo(node)
            {
                WorkingDirectory = folder,
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                StandardInputEncoding = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false),
                UseShellExecute = false,
            };
            foreach (var argument in new[] { "verify.mjs", headers["webhook-id"], headers["webhook-timestamp"], headers["webhook-signature"], secret })
                start.ArgumentList.Add(argument);

            using var process = Process.Start(start) ?? throw new InvalidOperationException("node did not start.");
            var output = process.StandardOutput.ReadToEndAsync();
            var errors = process.StandardError.ReadToEndAsync();
            await process.StandardInput.WriteAsync(body);
            process.StandardInput.Close();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            try
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException("node verify.mjs did not finish within 60 s.");
            }

            await output;
            return (process.ExitCode, await errors);
        }

        private static string Folder()
        {
            for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
            {
                var candidate = Path.Combine(directory.FullName, "Dispatch", "verifier");
                if (File.Exists(Path.Combine(candidate, "verify.mjs")))
                    return candidate;
            }

            throw new InvalidOperationException($"No Dispatch/verifier/verify.mjs above {AppContext.BaseDirectory}.");
        }

        private static string Node()
        {
            var found = (Environment.GetEnvironmentVariable("PATH") ?? "")
                .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
                .Select(directory => Path.Combine(directory, OperatingSystem.IsWindows() ? "node.exe" : "node"))
                .FirstOrDefault(File.Exists);
            Assert.True(found is not null, "Node.js (node) is not on PATH: the Standard Webhooks verifier needs it; ./test.sh installs it.");
            return found;
        }
    }
}
