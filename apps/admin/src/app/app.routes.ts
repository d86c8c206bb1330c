import type { Routes } from '@angular/router';
import { authGuard, permissionGuard } from './core/guards';
import { NAV_ITEMS } from './core/nav';

const permissionOf = (path: string) => {
  const item = NAV_ITEMS.find((nav) => nav.path === `/${path}`);
  if (!item) throw new Error(`no nav item for ${path}`);
  return permissionGuard(item.permission);
};

export const routes: Routes = [
  {
    path: 'login',
    title: 'Sign in · Gatehouse',
    loadComponent: () => import('./pages/login/login.component').then((m) => m.LoginComponent),
  },
  {
    path: 'forgot-password',
    title: 'Forgot password · Gatehouse',
    loadComponent: () =>
      import('./pages/passwords/forgot-password.component').then((m) => m.ForgotPasswordComponent),
  },
  {
    path: 'reset-password',
    title: 'Reset password · Gatehouse',
    loadComponent: () =>
      import('./pages/passwords/reset-password.component').then((m) => m.ResetPasswordComponent),
  },
  {
    path: 'onboarding',
    title: 'Welcome · Gatehouse',
    loadComponent: () =>
      import('./pages/onboarding/onboarding.component').then((m) => m.OnboardingComponent),
  },
  {
    path: '',
    canActivate: [authGuard],
    loadComponent: () => import('./core/shell.component').then((m) => m.ShellComponent),
    children: [
      { path: '', pathMatch: 'full', redirectTo: 'keys' },
      {
        path: 'keys',
        title: 'Virtual Keys · Gatehouse',
        canActivate: [permissionOf('keys')],
        loadComponent: () => import('./pages/keys/keys.component').then((m) => m.KeysComponent),
      },
      {
        path: 'keys/:token',
        title: 'Key · Gatehouse',
        canActivate: [permissionOf('keys')],
        loadComponent: () =>
          import('./pages/keys/key-page.component').then((m) => m.KeyPageComponent),
      },
      {
        path: 'usage',
        title: 'Usage · Gatehouse',
        canActivate: [permissionOf('usage')],
        loadComponent: () => import('./pages/usage/usage.component').then((m) => m.UsageComponent),
      },
      {
        path: 'logs',
        title: 'Logs · Gatehouse',
        canActivate: [permissionOf('logs')],
        loadComponent: () => import('./pages/logs/logs.component').then((m) => m.LogsComponent),
      },
      {
        path: 'playground',
        title: 'Playground · Gatehouse',
        canActivate: [permissionOf('playground')],
        loadComponent: () =>
          import('./pages/playground/playground.component').then((m) => m.PlaygroundComponent),
      },
      {
        path: 'users',
        title: 'Internal Users · Gatehouse',
        canActivate: [permissionOf('users')],
        loadComponent: () => import('./pages/users/users.component').then((m) => m.UsersComponent),
      },
      {
        path: 'teams',
        title: 'Teams · Gatehouse',
        canActivate: [permissionOf('teams')],
        loadComponent: () => import('./pages/teams/teams.component').then((m) => m.TeamsComponent),
      },
      {
        path: 'teams/:team_id',
        title: 'Team · Gatehouse',
        canActivate: [permissionOf('teams')],
        loadComponent: () =>
          import('./pages/teams/team-page.component').then((m) => m.TeamPageComponent),
      },
      {
        path: 'profile',
        title: 'Profile · Gatehouse',
        loadComponent: () =>
          import('./pages/profile/profile.component').then((m) => m.ProfileComponent),
      },
      {
        path: 'settings',
        title: 'Settings · Gatehouse',
        canActivate: [permissionOf('settings')],
        loadComponent: () =>
          import('./pages/settings/settings.component').then((m) => m.SettingsComponent),
      },
      {
        path: 'models',
        title: 'Models · Gatehouse',
        canActivate: [permissionOf('models')],
        loadComponent: () =>
          import('./pages/models/models.component').then((m) => m.ModelsComponent),
      },
      {
        path: 'audit',
        title: 'Audit log · Gatehouse',
        canActivate: [permissionOf('audit')],
        loadComponent: () => import('./pages/audit/audit.component').then((m) => m.AuditComponent),
      },
    ],
  },
  { path: '**', redirectTo: '' },
];
