/**
 * What marks a click as a machine's rather than a person's, as data: the lists the classifier
 * (classify.ts) reads. Tested against the labelled corpus in test/redirector/corpus.json.
 *
 * User agents: `isbot` (maintained) decides bot or not. Among bots, these patterns sort out link
 * previews and security scanners; they are never applied to a User-Agent isbot calls human.
 *
 * Networks: no maintained machine-readable list of mail-security scanners exists; each vendor
 * publishes the ranges its service connects from, and those are copied here with their source
 * (read 2026-11; update them from the same pages). A scanner that browses from a cloud provider's
 * general address space (Microsoft Safe Links' detonation, for one) is caught by the burst rule
 * instead: it opens every link of a message within seconds (clicks.ts).
 */

/** Chat and social apps fetching a link to show its preview. */
export const PREVIEW_AGENTS =
  /slackbot|slack-imgproxy|facebookexternalhit|facebookcatalog|facebot|twitterbot|discordbot|whatsapp|telegrambot|linkedinbot|skypeuripreview|iframely|embedly|redditbot|pinterest|vkshare|mastodon|bluesky|applebot|snapchat|viber|line-poker|google-pagerenderer|microsoftpreview|teams/i;

/**
 * Link-preview fetchers isbot does not know, by the product token they start with (a browser's
 * User-Agent starts with `Mozilla/`, so none matches): checked for every User-Agent.
 */
export const PREVIEW_FETCHERS = /^(?:Viber|Line|KakaoTalk-Scrap|Zalo|Signal|Threema)\//;

/** Scanners isbot does not know, by product names no browser carries: checked for every User-Agent. */
export const SCANNER_PRODUCTS = /\bBarracuda Sentinel\b|\bMicrosoft-URLAnalyzer\b|\bProofpoint URL Defense\b|\bMimecast URL Protect\b/;

/**
 * The preview bots that get a link's card (its own title, description and image) instead of the
 * redirect: Slack, Facebook and Instagram, X, LinkedIn, Discord, WhatsApp, and iMessage (which
 * sends `facebookexternalhit/1.1 Facebot Twitterbot/1.0` after a Safari User-Agent).
 */
export const CARD_AGENTS =
  /\bSlackbot(?:-LinkExpanding)?\b|\bfacebookexternalhit\/|\bFacebot\b|\bTwitterbot\/|\bLinkedInBot\/|\bDiscordbot\/|\bWhatsApp\//;

/** URL and mail security scanners that name themselves. */
export const SCANNER_AGENTS =
  /urlscan|virustotal|google-safety|safebrowsing|bitsight|censys|expanse|zgrab|masscan|nuclei|nmap|barracuda|mimecast|proofpoint|safelinks|phishtank|netcraft|checkpoint|fortinet|fortiguard|paloalto|trendmicro|sophos|symantec|forcepoint|cisco|ironport|trustwave|zscaler|scanner|linkcheck|link.?validator/i;

/**
 * Referring hosts of scanners' sandboxes and of the time-of-click checks of rewriting services
 * that load the link from their own page before the person is sent on.
 */
export const SCANNER_REFERRERS: readonly string[] = [
  'urlscan.io',
  'www.virustotal.com',
  'transparencyreport.google.com',
  'sitecheck.sucuri.net',
  'urldefense.com',
  'urldefense.proofpoint.com',
  'protect-us.mimecast.com',
  'protect-eu.mimecast.com',
  'protect-au.mimecast.com',
  'protect-za.mimecast.com',
  'linkprotect.cudasvc.com',
  'scanner.topsec.com',
];

/**
 * Address ranges mail-security services connect from (CIDR), by vendor:
 * - Microsoft Exchange Online Protection: Microsoft 365 URLs and IP address ranges, Exchange Online, ID 10.
 * - Proofpoint: proofpoint.my.site.com/support/PPSup_SupportInfo ("networks of the Proofpoint
 *   service"), and the pphosted.com range of Proofpoint on Demand.
 * - Mimecast: "Mimecast Data Centers and URLs", every region's gateway ranges.
 * - Barracuda Email Security Service: campus.barracuda.com, "Email Gateway Defense IP ranges".
 */
export const SCANNER_NETWORKS: readonly string[] = [
  // Microsoft Exchange Online Protection
  '40.92.0.0/15',
  '40.107.0.0/16',
  '52.100.0.0/14',
  '104.47.0.0/17',
  '2a01:111:f400::/48',
  '2a01:111:f403::/48',
  // Proofpoint
  '62.209.50.0/24',
  '67.231.144.0/20',
  '91.209.104.0/24',
  '148.163.128.0/19',
  '208.36.134.0/24',
  '208.84.64.0/22',
  '208.86.200.0/22',
  '209.66.100.64/26',
  // Mimecast
  '91.220.42.0/24',
  '146.101.78.0/24',
  '170.10.128.0/22',
  '185.58.84.0/22',
  '195.130.217.0/24',
  '205.139.110.0/24',
  '207.211.30.0/23',
  '216.205.24.0/24',
  // Barracuda
  '64.235.144.0/20',
  '209.222.80.0/21',
];
