// /terms: the rules for using FaceStat, in plain words.
export function TermsPage() {
  return (
    <main className="home prose legal">
      <h1>Terms of use</h1>
      <p className="lead">FaceStat shows faces to strangers and asks what they see. To take part:</p>

      <h2>You must</h2>
      <ul>
        <li>be an adult (18 or older);</li>
        <li>upload only photos of yourself, never of someone else;</li>
        <li>
          accept that strangers will look at your photo and judge it, including with a word of their own choosing,
          and that their answers may not be kind.
        </li>
      </ul>

      <h2>You must not</h2>
      <ul>
        <li>harass, threaten or insult anyone, in a word you give or in any other way;</li>
        <li>upload nudity, or photos of children;</li>
        <li>try to vote many times on one photo, or to push results up or down.</li>
      </ul>

      <h2>What we may do</h2>
      <ul>
        <li>
          Anyone judging can report a photo that breaks these rules, with the Report button beside it. Reported
          photos may be hidden while moderators look at them; moderators may remove a photo, or ban the account that
          posted it (its photos go, and its e-mail address cannot sign up again).
        </li>
        <li>Words on our blocklist are refused, and are never shown.</li>
        <li>
          Results are strangers&apos; impressions, weighed by a statistical model. They say how you come across in
          one photo, not who you are.
        </li>
      </ul>

      <p>
        What we store and who sees it is on the <a href="/privacy">privacy page</a>.
      </p>
    </main>
  );
}
