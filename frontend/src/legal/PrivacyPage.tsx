// /privacy: what FaceStat stores, who sees what, for how long and how to
// delete it, in plain words: docs/PRIVACY.md (what account deletion erases
// and what it keeps anonymised) told for the people it is about.
export function PrivacyPage() {
  return (
    <main className="home prose legal">
      <h1>Privacy</h1>
      <p className="lead">What FaceStat keeps about you, who can see it, and how long it stays.</p>

      <h2>What we store</h2>
      <ul>
        <li>
          <strong>Your account</strong>, if you make one: your handle, your e-mail address and a hash of your
          password (argon2id; we never store the password itself). Signing in also stores a fingerprint of each
          session&apos;s key, not the key, and the name your browser gives itself (its User-Agent), which your
          account page shows; a session ends after 30 days unless used.
        </li>
        <li>
          <strong>Judging without an account</strong>: your browser gets a signed token, and nothing about you is
          stored until your first vote.
        </li>
        <li>
          <strong>Your photos</strong>: the image, re-encoded so that every piece of metadata (camera, place, time)
          is stripped, and a small thumbnail of it, with the network you uploaded it from.
        </li>
        <li>
          <strong>Votes</strong>: your answers and the word you chose, the time, and your network (the first part of
          your address: IPv4 /24, IPv6 /48, never the full address). We use the network to weigh votes, so that one
          person voting from many sessions, or an owner voting on their own photo, counts for little.
        </li>
        <li>
          <strong>A judge profile</strong>: from your votes, the judge model works out how far your answers usually
          lie from the crowd&apos;s and how much each of your votes should count.
        </li>
        <li>
          <strong>Karma</strong>: what you earned by judging and spent on getting your photos judged.
        </li>
        <li>
          <strong>Consent</strong>: the three things you confirmed when you uploaded a photo (it shows you, you are
          an adult, you accept that strangers judge it), and when.
        </li>
        <li>
          <strong>Reports</strong>: when you report a photo, the reason, your note, the time and your network. When
          moderators act on a photo, the log keeps who did what, when and why.
        </li>
        <li>
          <strong>E-mail we send you</strong> (only links to reset your password): on a single-machine install,
          FaceStat keeps each message in a local outbox that only the operator can read, until your account is
          deleted. The link in one works once, for 30 minutes.
        </li>
      </ul>
      <p>
        Like any web server, FaceStat writes a line per request (with your address) to its log; it keeps no log
        file itself, so how long those lines live is the operator&apos;s choice.
      </p>
      <p>
        The app sets a few cookies so that you stay signed in and so that requests cannot be forged. There are no
        advertising or tracking cookies.
      </p>

      <h2>Who sees what</h2>
      <ul>
        <li>
          <strong>Public photos</strong>: anyone can see them, their results and your handle.
        </li>
        <li>
          <strong>Private photos</strong> are shown to strangers to judge, but never listed anywhere. Their results
          are shown to you and to the judges who voted on them. Judges never see who posted a private photo.
        </li>
        <li>
          The images of private photos, and of photos hidden while moderators review them, are served only through
          links that stop working after a few minutes, and no shared cache may keep them. Public photos&apos;
          images have plain addresses that caches may keep for a day; when you make a photo private, its old
          address stops working here, though a copy a cache already holds can live out that day.
        </li>
        <li>
          <strong>Reports and moderation</strong>: anyone judging can report a photo. Moderators see the reported
          photo, the reasons and notes, and the handle of reporters with an account; the owner is not told who
          reported it. After enough reports from different judges, a photo is hidden from others until a moderator
          looks at it; its owner still sees it, marked &ldquo;under review&rdquo;.
        </li>
        <li>Your e-mail address, your password hash and your network are never shown to anyone.</li>
      </ul>

      <h2>How long we keep it</h2>
      <p>
        Everything stays until it is deleted. You can delete a photo at any time: open it from{' '}
        <a href="/me">your photos</a> and choose &ldquo;Delete photo&rdquo;; its image, thumbnail, votes and results
        go with it, for good.
      </p>

      <h2>Your data, your account</h2>
      <ul>
        <li>
          <strong>Download your data</strong> from your <a href="/account">account page</a>: a ZIP file with your
          account, the consent you gave, your sessions, the reports you filed, your photos with their results, and the
          votes you cast. The link works only for you, signed in, and the file is deleted when
          the link expires (after an hour).
        </li>
        <li>
          <strong>Sign out other devices</strong>, or change your password (which signs out the others), from the
          same page. A password reset signs out every device.
        </li>
        <li>
          <strong>Delete your account</strong> from the <a href="/account">account page</a>. We erase at once your
          account, your e-mail address and password hash, your photos, their images and thumbnails and every figure
          worked out from them, your sessions and keys, your data exports and any e-mail waiting for you.
        </li>
        <li>
          What stays, without your name: the votes you cast on other people&apos;s photos stay as anonymous
          contributions to their results, as long as those photos exist (nothing links them to you any more). The
          moderation log keeps what moderators did about your photos, and what you did if you were a moderator,
          under a made-up id instead of your account and handle. Reports you filed stay with the photo they were
          about, without your account.
        </li>
        <li>
          After deletion, your e-mail address and handle can be used again for a new account, unless the account was
          banned by a moderator: then we keep a one-way hash of the e-mail address, so it cannot sign up again.
        </li>
      </ul>

      <p>
        See also the <a href="/terms">terms of use</a>.
      </p>
    </main>
  );
}
