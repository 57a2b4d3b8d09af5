// /privacy: what FaceStat stores, who sees what, for how long and how to
// delete it, in plain words. It promises only what the app does today;
// what is still being built is said to be coming.
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
          session&apos;s key, not the key.
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
      </ul>
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
          Today, anyone who has the exact address of a private photo&apos;s image file can open it (judges are shown
          that address). Links that expire are coming.
        </li>
        <li>Your e-mail address, your password hash and your network are never shown to anyone.</li>
      </ul>

      <h2>How long we keep it</h2>
      <p>
        Everything stays until it is deleted. You can delete a photo at any time: open it from{' '}
        <a href="/me">your photos</a> and choose &ldquo;Delete photo&rdquo;; its image, thumbnail, votes and results
        go with it, for good.
      </p>
      <p>
        Deleting your whole account, and downloading a copy of your data, are coming. Until then, delete your photos
        one by one from <a href="/me">your photos</a>.
      </p>

      <p>
        See also the <a href="/terms">terms of use</a>.
      </p>
    </main>
  );
}
