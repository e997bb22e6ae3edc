import type { Locale } from '@sokoul/contracts';
import { createSignal } from 'solid-js';

const fr = {
  'app.loading': 'Chargement…',
  'nav.home': 'Accueil',
  'nav.films': 'Films',
  'nav.series': 'Séries',
  'nav.search': 'Recherche',
  'nav.library': 'Bibliothèque',
  'nav.downloads': 'Téléchargements',
  'nav.tasks': 'Tâches',
  'nav.settings': 'Paramètres',
  'nav.menu': 'Menu',
  'auth.email': 'E-mail',
  'auth.password': 'Mot de passe',
  'auth.displayName': 'Nom affiché',
  'auth.inviteCode': "Code d'invitation",
  'auth.login': 'Se connecter',
  'auth.loginTitle': 'Connexion',
  'auth.signup': 'Créer un compte',
  'auth.signupTitle': 'Créer un compte',
  'auth.setupTitle': 'Créer le compte administrateur',
  'auth.setupHint': 'Premier lancement : ce compte administrera ce serveur Sokoul.',
  'auth.closed': "Les inscriptions sont fermées sur ce serveur. Demandez un compte à l'administrateur.",
  'auth.noAccount': 'Pas encore de compte ?',
  'auth.haveAccount': 'Déjà un compte ?',
  'auth.logout': 'Se déconnecter',
  'live.live': 'Connecté en direct',
  'live.connecting': 'Connexion…',
  'live.offline': 'Hors ligne',
  'placeholder.soon': 'Cette partie de Sokoul arrive bientôt.',
  'notFound.title': 'Page introuvable',
  'notFound.back': "Retour à l'accueil",
  'tasks.title': 'Tâches',
  'tasks.systemReport': 'Lancer un rapport système',
  'tasks.cleanup': 'Lancer un nettoyage',
  'tasks.empty': 'Aucune tâche pour le moment.',
  'tasks.cancel': 'Annuler',
  'tasks.type': 'Type',
  'tasks.status': 'Statut',
  'tasks.progress': 'Progression',
  'tasks.created': 'Créée',
  'tasks.outcome': 'Résultat',
  'status.pending': 'En attente',
  'status.running': 'En cours',
  'status.done': 'Terminée',
  'status.failed': 'Échouée',
  'status.cancelled': 'Annulée',
  'settings.title': 'Paramètres',
  'settings.profile': 'Profil',
  'settings.language': 'Langue',
  'settings.save': 'Enregistrer',
  'settings.saved': 'Enregistré.',
  'settings.password': 'Changer le mot de passe',
  'settings.currentPassword': 'Mot de passe actuel',
  'settings.newPassword': 'Nouveau mot de passe',
  'settings.passwordChanged': 'Mot de passe changé. Les autres sessions ont été fermées.',
  'settings.apiKeys': 'Clés API',
  'settings.keyName': 'Nom de la clé',
  'settings.createKey': 'Créer une clé',
  'settings.keyOnce': 'Copiez cette clé maintenant : elle ne sera plus affichée.',
  'settings.copy': 'Copier',
  'settings.revoke': 'Révoquer',
  'settings.noKeys': 'Aucune clé API.',
  'settings.lastUsed': 'Dernière utilisation',
  'settings.never': 'jamais',
  'admin.users': 'Utilisateurs',
  'admin.role': 'Rôle',
  'admin.disable': 'Désactiver',
  'admin.enable': 'Réactiver',
  'admin.delete': 'Supprimer',
  'admin.confirmDelete': 'Supprimer ce compte et toutes ses données ?',
  'admin.signupMode': 'Inscriptions',
  'admin.mode.open': 'Ouvertes',
  'admin.mode.invite': 'Sur invitation',
  'admin.mode.closed': 'Fermées',
  'admin.createInvite': 'Créer une invitation',
  'admin.inviteCode': "Code d'invitation (valable jusqu'au {date})",
  'common.error': 'Erreur',
  'common.retry': 'Réessayer',
} as const;

export type MessageKey = keyof typeof fr;

/** English must translate every French key: a missing one is a compile error. */
const en: Record<MessageKey, string> = {
  'app.loading': 'Loading…',
  'nav.home': 'Home',
  'nav.films': 'Films',
  'nav.series': 'Series',
  'nav.search': 'Search',
  'nav.library': 'Library',
  'nav.downloads': 'Downloads',
  'nav.tasks': 'Tasks',
  'nav.settings': 'Settings',
  'nav.menu': 'Menu',
  'auth.email': 'Email',
  'auth.password': 'Password',
  'auth.displayName': 'Display name',
  'auth.inviteCode': 'Invite code',
  'auth.login': 'Sign in',
  'auth.loginTitle': 'Sign in',
  'auth.signup': 'Create account',
  'auth.signupTitle': 'Create an account',
  'auth.setupTitle': 'Create the administrator account',
  'auth.setupHint': 'First run: this account will administer this Sokoul server.',
  'auth.closed': 'Sign-up is closed on this server. Ask the administrator for an account.',
  'auth.noAccount': 'No account yet?',
  'auth.haveAccount': 'Already have an account?',
  'auth.logout': 'Sign out',
  'live.live': 'Live',
  'live.connecting': 'Connecting…',
  'live.offline': 'Offline',
  'placeholder.soon': 'This part of Sokoul is coming soon.',
  'notFound.title': 'Page not found',
  'notFound.back': 'Back to home',
  'tasks.title': 'Tasks',
  'tasks.systemReport': 'Run a system report',
  'tasks.cleanup': 'Run a cleanup',
  'tasks.empty': 'No tasks yet.',
  'tasks.cancel': 'Cancel',
  'tasks.type': 'Type',
  'tasks.status': 'Status',
  'tasks.progress': 'Progress',
  'tasks.created': 'Created',
  'tasks.outcome': 'Outcome',
  'status.pending': 'Pending',
  'status.running': 'Running',
  'status.done': 'Done',
  'status.failed': 'Failed',
  'status.cancelled': 'Cancelled',
  'settings.title': 'Settings',
  'settings.profile': 'Profile',
  'settings.language': 'Language',
  'settings.save': 'Save',
  'settings.saved': 'Saved.',
  'settings.password': 'Change password',
  'settings.currentPassword': 'Current password',
  'settings.newPassword': 'New password',
  'settings.passwordChanged': 'Password changed. Other sessions were signed out.',
  'settings.apiKeys': 'API keys',
  'settings.keyName': 'Key name',
  'settings.createKey': 'Create key',
  'settings.keyOnce': 'Copy this key now: it will not be shown again.',
  'settings.copy': 'Copy',
  'settings.revoke': 'Revoke',
  'settings.noKeys': 'No API keys.',
  'settings.lastUsed': 'Last used',
  'settings.never': 'never',
  'admin.users': 'Users',
  'admin.role': 'Role',
  'admin.disable': 'Disable',
  'admin.enable': 'Enable',
  'admin.delete': 'Delete',
  'admin.confirmDelete': 'Delete this account and all its data?',
  'admin.signupMode': 'Sign-up',
  'admin.mode.open': 'Open',
  'admin.mode.invite': 'Invite only',
  'admin.mode.closed': 'Closed',
  'admin.createInvite': 'Create an invite',
  'admin.inviteCode': 'Invite code (valid until {date})',
  'common.error': 'Error',
  'common.retry': 'Retry',
};

const STORAGE_KEY = 'sokoul.locale';

function initialLocale(): Locale {
  const saved = localStorage.getItem(STORAGE_KEY);
  if (saved === 'fr' || saved === 'en') return saved;
  return navigator.language.toLowerCase().startsWith('fr') ? 'fr' : 'en';
}

const [locale, setLocaleSignal] = createSignal<Locale>(initialLocale());

export { locale };

export function setLocale(next: Locale): void {
  localStorage.setItem(STORAGE_KEY, next);
  document.documentElement.lang = next;
  setLocaleSignal(next);
}

export function t(key: MessageKey, params: Record<string, string> = {}): string {
  const text: string = (locale() === 'fr' ? fr : en)[key];
  return text.replace(/\{(\w+)\}/g, (_, name: string) => params[name] ?? '');
}

export const formatDate = (iso: string) =>
  new Intl.DateTimeFormat(locale() === 'fr' ? 'fr-FR' : 'en-GB', {
    dateStyle: 'medium',
    timeStyle: 'short',
  }).format(new Date(iso));
