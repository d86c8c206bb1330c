import { bootstrapApplication } from '@angular/platform-browser';
import { AppComponent } from './app/app.component';
import { appConfig } from './app/app.config';

bootstrapApplication(AppComponent, appConfig).catch((error: unknown) => {
  // The only place the console may write to the console: it failed to start.
  // eslint-disable-next-line no-console
  console.error(error);
});
