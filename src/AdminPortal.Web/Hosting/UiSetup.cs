using AdminPortal.Web.Components;
using MudBlazor.Services;

namespace AdminPortal.Web.Hosting;

public static class UiSetup
{
    public static WebApplicationBuilder AddPortalUi(this WebApplicationBuilder builder)
    {
        builder.Services.AddRazorComponents().AddInteractiveServerComponents();
        builder.Services.AddMudServices();
        builder.Services.AddSingleton<PortalUrls>();
        builder.Services.AddSingleton<AdminPortal.Core.IPortalAddress>(services => services.GetRequiredService<PortalUrls>());
        return builder;
    }

    public static WebApplication MapPortalUi(this WebApplication app)
    {
        app.MapStaticAssets();
        app.MapRazorComponents<App>().AddInteractiveServerRenderMode();
        return app;
    }
}
