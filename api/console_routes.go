package api

import "net/http"

// consoleRoutes is the console's one route table: every page and every JSON API
// route, with the roles that may use it. Nothing of the console is registered
// elsewhere, so that TestConsoleRouteRoles, walking this table with every role,
// covers all of it.
//
// Roles: admin may do everything (staff and tokens are admin only); editors edit
// the draft; publishers publish and roll back; agents and viewers read. Later
// parts (conversations and takeover for agents, the results dashboard) add their
// lines here.
var consoleRoutes = []consoleRoute{
	// Pages.
	{Method: http.MethodGet, Path: "/console/sign-in", Handle: signInPage},
	{Method: http.MethodPost, Path: "/console/sign-in", Handle: signIn},
	{Method: http.MethodPost, Path: "/console/sign-out", Roles: everyone, Handle: signOut},
	{Method: http.MethodGet, Path: "/console/", Roles: everyone, Handle: homePage},
	{Method: http.MethodGet, Path: "/console/flows/:flow", Roles: everyone, Handle: flowPage},
	{Method: http.MethodPost, Path: "/console/draft/texts", Roles: editors, Handle: saveTextsForm},
	{Method: http.MethodGet, Path: "/console/rules", Roles: everyone, Handle: rulesPage},
	{Method: http.MethodPost, Path: "/console/draft/rules", Roles: editors, Handle: saveRulesForm},
	{Method: http.MethodGet, Path: "/console/languages", Roles: everyone, Handle: languagesPage},
	{Method: http.MethodGet, Path: "/console/languages/:lang", Roles: everyone, Handle: languagePage},
	{Method: http.MethodPost, Path: "/console/draft/languages", Roles: editors, Handle: addLanguageForm},
	{Method: http.MethodGet, Path: "/console/knowledge", Roles: everyone, Handle: knowledgePage},
	{Method: http.MethodGet, Path: "/console/knowledge/:article", Roles: everyone, Handle: articlePage},
	{Method: http.MethodPost, Path: "/console/draft/articles", Roles: editors, Handle: addArticleForm},
	{Method: http.MethodPost, Path: "/console/draft/articles/:article", Roles: editors, Handle: saveArticleForm},
	{Method: http.MethodPost, Path: "/console/draft/articles/:article/remove", Roles: editors, Handle: removeArticleForm},
	{Method: http.MethodGet, Path: "/console/draft", Roles: everyone, Handle: draftPage},
	{Method: http.MethodPost, Path: "/console/draft/discard", Roles: editors, Handle: discardDraftForm},
	{Method: http.MethodPost, Path: "/console/draft/publish", Roles: publishers, Handle: publishForm},
	{Method: http.MethodGet, Path: "/console/versions", Roles: everyone, Handle: versionsPage},
	{Method: http.MethodGet, Path: "/console/versions/:version", Roles: everyone, Handle: versionPage},
	{Method: http.MethodPost, Path: "/console/versions/:version/rollback", Roles: publishers, Handle: rollbackForm},
	{Method: http.MethodGet, Path: "/console/tokens", Roles: admins, Handle: tokensPage},
	{Method: http.MethodPost, Path: "/console/tokens", Roles: admins, Handle: createTokenForm},
	{Method: http.MethodPost, Path: "/console/tokens/revoke", Roles: admins, Handle: revokeTokenForm},
	{Method: http.MethodGet, Path: "/console/staff", Roles: admins, Handle: staffPage},
	{Method: http.MethodPost, Path: "/console/staff", Roles: admins, Handle: addStaffForm},
	{Method: http.MethodPost, Path: "/console/staff/change", Roles: admins, Handle: changeStaffForm},
	{Method: http.MethodGet, Path: "/console/audit", Roles: admins, Handle: auditPage},
	// Conversations, the inbox and takeover (console_conversations.go, console_inbox.go).
	{Method: http.MethodGet, Path: "/console/inbox", Roles: everyone, Handle: inboxPage},
	{Method: http.MethodGet, Path: "/console/inbox/items", Roles: everyone, Handle: inboxPartial},
	{Method: http.MethodGet, Path: "/console/conversations", Roles: everyone, Handle: conversationsPage},
	{Method: http.MethodPost, Path: "/console/conversations", Roles: everyone, Handle: conversationsSearch},
	{Method: http.MethodGet, Path: "/console/conversations/:conversation", Roles: everyone, Handle: conversationPage},
	{Method: http.MethodGet, Path: "/console/conversations/:conversation/transcript", Roles: everyone, Handle: transcriptPartial},
	{Method: http.MethodPost, Path: "/console/conversations/:conversation/takeover", Roles: agents, Handle: takeoverForm},
	{Method: http.MethodPost, Path: "/console/conversations/:conversation/reply", Roles: agents, Handle: replyForm},
	{Method: http.MethodPost, Path: "/console/conversations/:conversation/handback", Roles: agents, Handle: handbackForm},
	{Method: http.MethodPost, Path: "/console/conversations/:conversation/messages/:seq/retry", Roles: agents, Handle: retryMessageForm},
	{Method: http.MethodPost, Path: "/console/conversations/:conversation/messages/:seq/dismiss", Roles: agents, Handle: dismissMessageForm},
	// Privacy requests: find, export, erase (console_privacy.go).
	{Method: http.MethodGet, Path: "/console/privacy", Roles: admins, Handle: privacyPage},
	{Method: http.MethodPost, Path: "/console/privacy/find", Roles: admins, Handle: privacyFind},
	{Method: http.MethodPost, Path: "/console/privacy/export", Roles: admins, Handle: privacyExport},
	{Method: http.MethodPost, Path: "/console/privacy/erase", Roles: admins, Handle: privacyErase},
	// The results dashboard (console_dashboard.go).
	{Method: http.MethodGet, Path: "/console/results", Roles: everyone, Handle: dashboardPage},

	// JSON API (bearer tokens or a session with its CSRF token).
	{Method: http.MethodGet, Path: "/api/v1/console/openapi.json", API: true, Handle: openAPIDoc},
	{Method: http.MethodGet, Path: "/api/v1/console/flows", Roles: everyone, API: true, Handle: apiFlows},
	{Method: http.MethodGet, Path: "/api/v1/console/draft", Roles: everyone, API: true, Handle: apiDraft},
	{Method: http.MethodPut, Path: "/api/v1/console/draft/texts", Roles: editors, API: true, Handle: apiSaveTexts},
	{Method: http.MethodPut, Path: "/api/v1/console/draft/rules", Roles: editors, API: true, Handle: apiSaveRules},
	{Method: http.MethodGet, Path: "/api/v1/console/knowledge", Roles: everyone, API: true, Handle: apiKnowledge},
	{Method: http.MethodPut, Path: "/api/v1/console/draft/articles/:article", Roles: editors, API: true, Handle: apiPutArticle},
	{Method: http.MethodDelete, Path: "/api/v1/console/draft/articles/:article", Roles: editors, API: true, Handle: apiDeleteArticle},
	{Method: http.MethodDelete, Path: "/api/v1/console/draft", Roles: editors, API: true, Handle: apiDiscardDraft},
	{Method: http.MethodPost, Path: "/api/v1/console/draft/publish", Roles: publishers, API: true, Handle: apiPublish},
	{Method: http.MethodGet, Path: "/api/v1/console/versions", Roles: everyone, API: true, Handle: apiVersions},
	{Method: http.MethodGet, Path: "/api/v1/console/versions/:version", Roles: everyone, API: true, Handle: apiVersion},
	{Method: http.MethodPost, Path: "/api/v1/console/versions/:version/rollback", Roles: publishers, API: true, Handle: apiRollback},
	{Method: http.MethodGet, Path: "/api/v1/console/tokens", Roles: admins, API: true, Handle: apiTokens},
	{Method: http.MethodPost, Path: "/api/v1/console/tokens", Roles: admins, API: true, Handle: apiCreateToken},
	{Method: http.MethodDelete, Path: "/api/v1/console/tokens/:name", Roles: admins, API: true, Handle: apiRevokeToken},
	{Method: http.MethodGet, Path: "/api/v1/console/staff", Roles: admins, API: true, Handle: apiStaff},
	{Method: http.MethodPost, Path: "/api/v1/console/staff", Roles: admins, API: true, Handle: apiAddStaff},
	{Method: http.MethodGet, Path: "/api/v1/console/audit", Roles: admins, API: true, Handle: apiAudit},
	{Method: http.MethodGet, Path: "/api/v1/console/inbox", Roles: everyone, API: true, Handle: apiInbox},
	{Method: http.MethodGet, Path: "/api/v1/console/conversations", Roles: everyone, API: true, Handle: apiConversations},
	{Method: http.MethodPost, Path: "/api/v1/console/conversations/search", Roles: everyone, API: true, Handle: apiSearchConversations},
	{Method: http.MethodGet, Path: "/api/v1/console/conversations/:conversation", Roles: everyone, API: true, Handle: apiConversation},
	{Method: http.MethodPost, Path: "/api/v1/console/conversations/:conversation/takeover", Roles: agents, API: true, Handle: apiTakeover},
	{Method: http.MethodPost, Path: "/api/v1/console/conversations/:conversation/reply", Roles: agents, API: true, Handle: apiReply},
	{Method: http.MethodPost, Path: "/api/v1/console/conversations/:conversation/handback", Roles: agents, API: true, Handle: apiHandback},
	{Method: http.MethodPost, Path: "/api/v1/console/conversations/:conversation/messages/:seq/retry", Roles: agents, API: true, Handle: apiRetryMessage},
	{Method: http.MethodPost, Path: "/api/v1/console/conversations/:conversation/messages/:seq/dismiss", Roles: agents, API: true, Handle: apiDismissMessage},
	{Method: http.MethodPost, Path: "/api/v1/console/privacy/find", Roles: admins, API: true, Handle: apiPrivacyFind},
	{Method: http.MethodGet, Path: "/api/v1/console/results", Roles: everyone, API: true, Handle: apiResults},
}
