/** Auth0's `ConnectionIdentityProviderEnum` (OAS): the strategies POST /connections accepts. */
export const CONNECTION_STRATEGIES = [
  "ad", "adfs", "amazon", "apple", "dropbox", "bitbucket", "auth0-oidc", "auth0", "baidu", "bitly", "box",
  "custom", "daccount", "dwolla", "email", "evernote-sandbox", "evernote", "exact", "facebook", "fitbit",
  "github", "google-apps", "google-oauth2", "instagram", "ip", "line", "linkedin", "oauth1", "oauth2",
  "office365", "oidc", "okta", "paypal", "paypal-sandbox", "pingfederate", "planningcenter",
  "salesforce-community", "salesforce-sandbox", "salesforce", "samlp", "sharepoint", "shopify", "shop", "sms",
  "soundcloud", "thirtysevensignals", "twitter", "untappd", "vkontakte", "waad", "weibo", "windowslive",
  "wordpress", "yahoo", "yandex",
] as const;

/** `ConnectionStrategyEnum` (the list filter) also knows the legacy AD/LDAP connector. */
export const LIST_STRATEGIES = [...CONNECTION_STRATEGIES, "auth0-adldap"] as const;
